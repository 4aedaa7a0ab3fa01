//! Signed tokens for unsubscribe and preferences links (issue #5).
//!
//! A token is `<subscriber id>.<hex HMAC-SHA256(secret, purpose ‖ id)>`
//! (RFC 2104). It names only its own subscriber, cannot be forged or
//! re-targeted without the secret, and one purpose's token does not verify
//! for another.

use sha2::{Digest, Sha256};

/// SHA-256's block size, the HMAC key block (RFC 2104 §2).
const BLOCK: usize = 64;

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// One-click unsubscribe (RFC 8058).
    Unsubscribe,
    /// Open the subscriber's preferences.
    Preferences,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Unsubscribe => "unsubscribe",
            Purpose::Preferences => "preferences",
        }
    }
}

fn hmac(secret: &[u8], message: &[u8]) -> [u8; 32] {
    let mut key = [0u8; BLOCK];
    if secret.len() > BLOCK {
        key[..32].copy_from_slice(&Sha256::digest(secret));
    } else {
        key[..secret.len()].copy_from_slice(secret);
    }
    let pad = |byte: u8| key.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn mac(secret: &str, subscriber_id: i64, purpose: Purpose) -> [u8; 32] {
    let message = format!("{}:{subscriber_id}", purpose.label());
    hmac(secret.as_bytes(), message.as_bytes())
}

/// The token for `subscriber_id` and `purpose`.
pub fn sign(secret: &str, subscriber_id: i64, purpose: Purpose) -> String {
    format!(
        "{subscriber_id}.{}",
        hex::encode(mac(secret, subscriber_id, purpose))
    )
}

/// The subscriber id a genuine token names; `None` for anything else.
pub fn verify(secret: &str, token: &str, purpose: Purpose) -> Option<i64> {
    let (id, tag) = token.split_once('.')?;
    let id: i64 = id.parse().ok()?;
    let given = hex::decode(tag).ok()?;
    let expected = mac(secret, id, purpose);
    // Constant-time comparison: no early exit on the first differing byte.
    let same = given.len() == expected.len()
        && given
            .iter()
            .zip(expected.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let out = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(out),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tokens_verify_only_for_their_subscriber_secret_and_purpose() {
        let t = sign("s3cret", 42, Purpose::Unsubscribe);
        assert_eq!(verify("s3cret", &t, Purpose::Unsubscribe), Some(42));
        let cases = [
            ("other secret", verify("other", &t, Purpose::Unsubscribe)),
            ("other purpose", verify("s3cret", &t, Purpose::Preferences)),
            (
                "id changed",
                verify("s3cret", &t.replacen("42", "43", 1), Purpose::Unsubscribe),
            ),
            ("garbage", verify("s3cret", "x.y", Purpose::Unsubscribe)),
            (
                "truncated",
                verify("s3cret", &t[..10], Purpose::Unsubscribe),
            ),
        ];
        for (what, got) in cases {
            assert_eq!(got, None, "{what}");
        }
    }
}
