//! Signed tokens for the links in digests and on the subscribe form
//! (issue #5).
//!
//! A link token is `<subscriber id>.<hex HMAC-SHA256(secret, purpose ‖ id ‖
//! salt)>` (RFC 2104); a confirmation token also carries its expiry,
//! `<id>.<unix expiry>.<mac>`. A token names only its own subscriber, cannot
//! be forged or re-targeted without the secret, and one purpose's token
//! does not verify for another. The salt is the subscriber's own random
//! value, kept in the database and replaced on unsubscribe (issue #11): a
//! link dies with the unsubscribe, and never names whoever holds the id
//! later. Checking a token therefore takes two steps: [`claimed_id`] says
//! whose salt to look up, [`verify`] checks the MAC with it. The form's
//! CSRF token signs a random nonce that must also come back in a cookie
//! (double submit), with a time.

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
    /// Confirm a subscription requested on the form (double opt-in).
    Confirm,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Unsubscribe => "unsubscribe",
            Purpose::Preferences => "preferences",
            Purpose::Confirm => "confirm",
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

fn mac(secret: &str, subscriber_id: i64, salt: &str, purpose: Purpose) -> [u8; 32] {
    let message = format!("{}:{subscriber_id}:{salt}", purpose.label());
    hmac(secret.as_bytes(), message.as_bytes())
}

fn mac_of(secret: &str, message: &str) -> String {
    hex::encode(hmac(secret.as_bytes(), message.as_bytes()))
}

/// Compares without an early exit on the first differing byte, so timing
/// tells an attacker nothing about how much of a guess was right.
fn same(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The token for `subscriber_id` (whose token salt is `salt`) and `purpose`.
pub fn sign(secret: &str, subscriber_id: i64, salt: &str, purpose: Purpose) -> String {
    format!(
        "{subscriber_id}.{}",
        hex::encode(mac(secret, subscriber_id, salt, purpose))
    )
}

/// The subscriber id a token claims to be for, not yet verified: whose
/// salt to look up before [`verify`] or [`verify_until`].
pub fn claimed_id(token: &str) -> Option<i64> {
    token.split_once('.')?.0.parse().ok()
}

/// The subscriber id a genuine token names, signed with their current
/// `salt`; `None` for anything else.
pub fn verify(secret: &str, token: &str, salt: &str, purpose: Purpose) -> Option<i64> {
    let (id, tag) = token.split_once('.')?;
    let id: i64 = id.parse().ok()?;
    let given = hex::decode(tag).ok()?;
    same(&given, &mac(secret, id, salt, purpose)).then_some(id)
}

/// A token for `subscriber_id` (salt `salt`) and `purpose` that stops
/// verifying after `expires` (Unix seconds).
pub fn sign_until(
    secret: &str,
    subscriber_id: i64,
    salt: &str,
    purpose: Purpose,
    expires: i64,
) -> String {
    let mac = mac_of(
        secret,
        &format!("{}:{subscriber_id}:{expires}:{salt}", purpose.label()),
    );
    format!("{subscriber_id}.{expires}.{mac}")
}

/// The subscriber id a genuine, unexpired [`sign_until`] token names.
pub fn verify_until(
    secret: &str,
    token: &str,
    salt: &str,
    purpose: Purpose,
    now: i64,
) -> Option<i64> {
    let mut parts = token.splitn(3, '.');
    let (id, expires, tag) = (parts.next()?, parts.next()?, parts.next()?);
    let (id, expires): (i64, i64) = (id.parse().ok()?, expires.parse().ok()?);
    let expected = mac_of(
        secret,
        &format!("{}:{id}:{expires}:{salt}", purpose.label()),
    );
    (same(tag.as_bytes(), expected.as_bytes()) && now <= expires).then_some(id)
}

/// The form's CSRF token for a random `nonce` issued at `issued` (Unix
/// seconds); the nonce also goes into a cookie.
pub fn csrf_token(secret: &str, nonce: &str, issued: i64) -> String {
    let mac = mac_of(secret, &format!("csrf:{nonce}:{issued}"));
    format!("{issued}.{nonce}.{mac}")
}

/// Whether `token` is genuine, at most `max_age` seconds old, and names
/// the nonce of the `cookie` the same browser sent.
pub fn verify_csrf(secret: &str, token: &str, cookie: &str, now: i64, max_age: i64) -> bool {
    let mut parts = token.splitn(3, '.');
    let (Some(issued), Some(nonce), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(issued_at) = issued.parse::<i64>() else {
        return false;
    };
    let expected = mac_of(secret, &format!("csrf:{nonce}:{issued}"));
    same(tag.as_bytes(), expected.as_bytes())
        && same(nonce.as_bytes(), cookie.as_bytes())
        && !nonce.is_empty()
        && (issued_at..=issued_at + max_age).contains(&now)
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
    fn tokens_verify_only_for_their_subscriber_secret_salt_and_purpose() {
        let t = sign("s3cret", 42, "salt-a", Purpose::Unsubscribe);
        assert_eq!(claimed_id(&t), Some(42));
        assert_eq!(
            verify("s3cret", &t, "salt-a", Purpose::Unsubscribe),
            Some(42)
        );
        let cases = [
            (
                "other secret",
                verify("other", &t, "salt-a", Purpose::Unsubscribe),
            ),
            (
                "other purpose",
                verify("s3cret", &t, "salt-a", Purpose::Preferences),
            ),
            (
                "salt rotated on unsubscribe, or the id's later holder",
                verify("s3cret", &t, "salt-b", Purpose::Unsubscribe),
            ),
            (
                "id changed",
                verify(
                    "s3cret",
                    &t.replacen("42", "43", 1),
                    "salt-a",
                    Purpose::Unsubscribe,
                ),
            ),
            (
                "garbage",
                verify("s3cret", "x.y", "salt-a", Purpose::Unsubscribe),
            ),
            (
                "truncated",
                verify("s3cret", &t[..10], "salt-a", Purpose::Unsubscribe),
            ),
        ];
        for (what, got) in cases {
            assert_eq!(got, None, "{what}");
        }
    }

    #[test]
    fn confirmation_tokens_expire_and_cannot_be_stretched() {
        let t = sign_until("k", 7, "s", Purpose::Confirm, 1_000);
        assert_eq!(claimed_id(&t), Some(7));
        assert_eq!(verify_until("k", &t, "s", Purpose::Confirm, 999), Some(7));
        assert_eq!(verify_until("k", &t, "s", Purpose::Confirm, 1_000), Some(7));
        assert_eq!(verify_until("k", &t, "s", Purpose::Confirm, 1_001), None);
        let stretched = t.replacen("1000", "9000", 1);
        assert_eq!(
            verify_until("k", &stretched, "s", Purpose::Confirm, 999),
            None
        );
        assert_eq!(verify_until("k", &t, "s", Purpose::Unsubscribe, 999), None);
        assert_eq!(verify_until("other", &t, "s", Purpose::Confirm, 999), None);
        assert_eq!(verify_until("k", &t, "t", Purpose::Confirm, 999), None);
    }

    #[test]
    fn csrf_tokens_need_the_matching_cookie_and_expire() {
        let t = csrf_token("k", "abc123", 100);
        assert!(verify_csrf("k", &t, "abc123", 150, 3600));
        assert!(
            !verify_csrf("k", &t, "other", 150, 3600),
            "cookie from another form"
        );
        assert!(!verify_csrf("k", &t, "abc123", 4000, 3600), "expired");
        assert!(!verify_csrf("k", &t, "abc123", 50, 3600), "from the future");
        assert!(!verify_csrf("x", &t, "abc123", 150, 3600), "other secret");
        assert!(!verify_csrf("k", "100..", "", 150, 3600), "empty nonce");
    }
}
