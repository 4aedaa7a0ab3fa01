//! Which addresses khabar may connect to (issue #11): every public one,
//! and of the special-purpose ranges (IANA's IPv4 and IPv6 Special-Purpose
//! Address Registries, RFC 6890) only those `fetch.allow_private` names.
//!
//! The table is written out here rather than taken from `IpAddr::is_global`
//! (unstable) or a crate: it is short, each line cites its range, and the
//! IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged
//! by the address they lead to.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// What kind of special-purpose address a refused one is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918 (10/8, 172.16/12, 192.168/16); local-use NAT64; site-local.
    Private,
    /// 169.254.0.0/16 (cloud metadata lives here), fe80::/10.
    LinkLocal,
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    Shared,
    /// fc00::/7 (RFC 4193).
    UniqueLocal,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// 0.0.0.0/8 ("this network": Linux connects 0.0.0.0 to itself), ::.
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20.
    Documentation,
    /// 198.18.0.0/15, 2001:2::/48.
    Benchmarking,
    /// Anything else not meant to be reached: 240/4, 192.0.0/24,
    /// IPv4-compatible IPv6, the discard prefix.
    Reserved,
}

impl fmt::Display for AddressKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressKind::Loopback => "loopback",
            AddressKind::Private => "private",
            AddressKind::LinkLocal => "link-local",
            AddressKind::Shared => "shared (carrier-grade NAT)",
            AddressKind::UniqueLocal => "unique-local",
            AddressKind::Multicast => "multicast",
            AddressKind::Unspecified => "unspecified",
            AddressKind::Broadcast => "broadcast",
            AddressKind::Documentation => "documentation",
            AddressKind::Benchmarking => "benchmarking",
            AddressKind::Reserved => "reserved",
        })
    }
}

/// An address khabar will not connect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("refused: {ip} is {} {kind} address", article(*kind))]
pub struct Refused {
    /// The address.
    pub ip: IpAddr,
    /// Why it is special.
    pub kind: AddressKind,
}

fn article(kind: AddressKind) -> &'static str {
    match kind {
        AddressKind::Unspecified => "an",
        _ => "a",
    }
}

/// IPv4 special-purpose ranges, most specific first: (network, prefix, kind).
const V4: &[(Ipv4Addr, u8, AddressKind)] = &[
    (
        Ipv4Addr::new(255, 255, 255, 255),
        32,
        AddressKind::Broadcast,
    ),
    (Ipv4Addr::new(0, 0, 0, 0), 8, AddressKind::Unspecified),
    (Ipv4Addr::new(10, 0, 0, 0), 8, AddressKind::Private),
    (Ipv4Addr::new(100, 64, 0, 0), 10, AddressKind::Shared),
    (Ipv4Addr::new(127, 0, 0, 0), 8, AddressKind::Loopback),
    (Ipv4Addr::new(169, 254, 0, 0), 16, AddressKind::LinkLocal),
    (Ipv4Addr::new(172, 16, 0, 0), 12, AddressKind::Private),
    // IETF protocol assignments (DS-Lite, NAT64 discovery, …).
    (Ipv4Addr::new(192, 0, 0, 0), 24, AddressKind::Reserved),
    (Ipv4Addr::new(192, 0, 2, 0), 24, AddressKind::Documentation),
    // The deprecated 6to4 relay anycast (RFC 7526).
    (Ipv4Addr::new(192, 88, 99, 0), 24, AddressKind::Reserved),
    (Ipv4Addr::new(192, 168, 0, 0), 16, AddressKind::Private),
    (Ipv4Addr::new(198, 18, 0, 0), 15, AddressKind::Benchmarking),
    (
        Ipv4Addr::new(198, 51, 100, 0),
        24,
        AddressKind::Documentation,
    ),
    (
        Ipv4Addr::new(203, 0, 113, 0),
        24,
        AddressKind::Documentation,
    ),
    (Ipv4Addr::new(224, 0, 0, 0), 4, AddressKind::Multicast),
    (Ipv4Addr::new(240, 0, 0, 0), 4, AddressKind::Reserved),
];

/// IPv6 special-purpose ranges that embed no IPv4 address, most specific
/// first. `::ffff:0:0/96`, `64:ff9b::/96` and `2002::/16` are judged by
/// the IPv4 address inside them (see [`embedded_v4`]).
const V6: &[(Ipv6Addr, u8, AddressKind)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, AddressKind::Unspecified),
    (Ipv6Addr::LOCALHOST, 128, AddressKind::Loopback),
    // IPv4-compatible addresses (deprecated, RFC 4291 §2.5.5.1).
    (Ipv6Addr::UNSPECIFIED, 96, AddressKind::Reserved),
    // Local-use NAT64 (RFC 8215): translates into a private network.
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        AddressKind::Private,
    ),
    // Discard-only (RFC 6666).
    (
        Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
        64,
        AddressKind::Reserved,
    ),
    (
        Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0),
        48,
        AddressKind::Benchmarking,
    ),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        AddressKind::Documentation,
    ),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        AddressKind::Documentation,
    ),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        AddressKind::UniqueLocal,
    ),
    (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
        AddressKind::LinkLocal,
    ),
    // Site-local (deprecated, RFC 3879), still routed inside some networks.
    (
        Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0),
        10,
        AddressKind::Private,
    ),
    (
        Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
        8,
        AddressKind::Multicast,
    ),
];

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// The IPv4 address an IPv6 one leads to: IPv4-mapped (`::ffff:a.b.c.d`,
/// which the kernel connects over IPv4), NAT64 (`64:ff9b::a.b.c.d`, RFC
/// 6052) and 6to4 (`2002:aabb:ccdd::`, RFC 3056).
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(ip);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if in_v6(ip, Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96) {
        Some(Ipv4Addr::from(bits as u32))
    } else if in_v6(ip, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
        Some(Ipv4Addr::from((bits >> 80) as u32))
    } else {
        None
    }
}

/// The special-purpose kind of `ip`, or `None` for a public address.
pub fn special_purpose(ip: IpAddr) -> Option<AddressKind> {
    match ip {
        IpAddr::V4(v4) => V4
            .iter()
            .find(|(net, prefix, _)| in_v4(v4, *net, *prefix))
            .map(|(_, _, kind)| *kind),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => special_purpose(IpAddr::V4(v4)),
            None => V6
                .iter()
                .find(|(net, prefix, _)| in_v6(v6, *net, *prefix))
                .map(|(_, _, kind)| *kind),
        },
    }
}

/// Which addresses may be connected to: public ones, and special-purpose
/// ones inside `fetch.allow_private`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allow: Vec<IpNet>,
}

impl AddressPolicy {
    /// A policy that also allows the networks in `allow_private`.
    pub fn new(allow_private: Vec<IpNet>) -> AddressPolicy {
        AddressPolicy {
            allow: allow_private,
        }
    }

    /// `Ok` when khabar may connect to `ip`.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refused> {
        match special_purpose(ip) {
            None => Ok(()),
            Some(_) if self.allows(ip) => Ok(()),
            Some(kind) => Err(Refused { ip, kind }),
        }
    }

    /// An allowed network holds `ip`, or the IPv4 address it leads to.
    fn allows(&self, ip: IpAddr) -> bool {
        let inner = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.allow
            .iter()
            .any(|net| net.contains(&ip) || inner.is_some_and(|v4| net.contains(&v4)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn special_purpose_addresses_are_named_and_public_ones_pass() {
        use AddressKind::*;
        let cases = [
            ("127.0.0.1", Some(Loopback)),
            ("127.255.1.2", Some(Loopback)),
            ("10.0.0.5", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.1", None),
            ("192.168.1.1", Some(Private)),
            ("169.254.169.254", Some(LinkLocal)),
            ("100.64.0.1", Some(Shared)),
            ("100.127.255.255", Some(Shared)),
            ("100.128.0.1", None),
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Unspecified)),
            ("255.255.255.255", Some(Broadcast)),
            ("240.0.0.1", Some(Reserved)),
            ("224.0.0.251", Some(Multicast)),
            ("192.0.2.10", Some(Documentation)),
            ("198.18.0.1", Some(Benchmarking)),
            ("192.0.0.170", Some(Reserved)),
            ("8.8.8.8", None),
            ("93.184.216.34", None),
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:10.0.0.5", Some(Private)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("::ffff:8.8.8.8", None),
            ("::127.0.0.1", Some(Reserved)),
            ("64:ff9b::10.0.0.5", Some(Private)),
            ("64:ff9b::8.8.8.8", None),
            ("64:ff9b:1::1", Some(Private)),
            ("2002:7f00:1::", Some(Loopback)),
            ("2002:0808:0808::1", None),
            ("fc00::1", Some(UniqueLocal)),
            ("fd12:3456::1", Some(UniqueLocal)),
            ("fe80::1", Some(LinkLocal)),
            ("fec0::1", Some(Private)),
            ("ff02::1", Some(Multicast)),
            ("2001:db8::1", Some(Documentation)),
            ("100::1", Some(Reserved)),
            ("2606:4700::1111", None),
        ];
        for (text, want) in cases {
            assert_eq!(special_purpose(ip(text)), want, "{text}");
        }
    }

    #[test]
    fn allow_private_lets_its_networks_through_in_any_form() {
        let policy = AddressPolicy::new(vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.1.0.0/16".parse().unwrap(),
        ]);
        for allowed in ["127.0.0.1", "10.1.2.3", "::ffff:127.0.0.1", "8.8.8.8"] {
            assert_eq!(policy.check(ip(allowed)), Ok(()), "{allowed}");
        }
        for refused in ["127.0.0.2", "10.2.0.1", "::1", "::ffff:10.2.0.1"] {
            assert!(policy.check(ip(refused)).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_refusal_says_which_address_and_why() {
        let err = AddressPolicy::default().check(ip("10.0.0.5")).unwrap_err();
        assert_eq!(err.to_string(), "refused: 10.0.0.5 is a private address");
        let err = AddressPolicy::default().check(ip("fd00::1")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "refused: fd00::1 is a unique-local address"
        );
    }
}
