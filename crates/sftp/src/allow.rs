//! Source-address allow-lists (spec 01 §2.3: "Static IP addresses are strongly encouraged (they
//! go on an IP allowlist)"): the CIDR ranges a partner may connect from.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::Error;

/// A range of addresses in CIDR notation: `10.0.0.0/8`, `2001:db8::/32`. A bare address is the
/// range of that one address (`/32` for IPv4, `/128` for IPv6).
///
/// ```
/// use bankdrop_sftp::IpRange;
/// let office: IpRange = "192.0.2.0/24".parse().unwrap();
/// assert!(office.contains("192.0.2.17".parse().unwrap()));
/// assert!(!office.contains("198.51.100.1".parse().unwrap()));
/// assert_eq!("::1".parse::<IpRange>().unwrap().to_string(), "::1/128");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpRange {
    /// The first address of the range (no bits set past the prefix).
    network: IpAddr,
    /// How many leading bits an address must share with `network`.
    prefix: u8,
}

impl IpRange {
    /// Whether `ip` is in the range. An IPv4 address a dual-stack socket reports in its
    /// IPv4-mapped form (`::ffff:192.0.2.1`) is matched as the IPv4 address it is.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, unmapped(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(ip) & mask == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(ip) & mask == u128::from(net)
            }
            _ => false,
        }
    }

    /// The prefix length in bits.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

/// Whether `ip` is in any of `ranges`; an empty list admits every address.
pub fn admits(ranges: &[IpRange], ip: IpAddr) -> bool {
    ranges.is_empty() || ranges.iter().any(|r| r.contains(ip))
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for IpRange {
    type Err = Error;

    /// Parses `ADDRESS/PREFIX` or a bare `ADDRESS`. Refuses a prefix past the address's length
    /// and an address with bits set past its prefix (`10.0.0.1/8`): that is most likely a typo
    /// for `/32`, and widening it silently would let a whole network in.
    fn from_str(text: &str) -> Result<Self, Error> {
        let bad = |reason: String| Error::IpRange {
            text: text.to_string(),
            reason,
        };
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| bad(format!("`{addr}` is not an IPv4 or IPv6 address")))?;
        let max: u8 = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|n| p.bytes().all(|b| b.is_ascii_digit()) && *n <= max)
                .ok_or_else(|| bad(format!("the prefix must be a number from 0 to {max}")))?,
        };
        let range = IpRange { network, prefix };
        let first = range.first();
        if first != network {
            return Err(bad(format!(
                "bits are set past the /{prefix} prefix (the range starts at {first}; for the \
                 one address write {network}/{max})"
            )));
        }
        Ok(range)
    }
}

impl IpRange {
    /// `network` with every bit past the prefix cleared.
    fn first(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(a) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        }
    }
}

impl fmt::Display for IpRange {
    /// Always with the prefix: `127.0.0.1/32`, the form stored.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> IpRange {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_ranges_match_their_addresses_only() {
        let net = r("10.0.0.0/8");
        assert!(net.contains(ip("10.0.0.0")));
        assert!(net.contains(ip("10.255.255.255")));
        assert!(!net.contains(ip("11.0.0.0")));
        assert!(!net.contains(ip("9.255.255.255")));
        let one = r("127.0.0.1/32");
        assert!(one.contains(ip("127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        let all = r("0.0.0.0/0");
        assert!(all.contains(ip("203.0.113.9")));
        assert!(
            !all.contains(ip("::1")),
            "an IPv4 range holds no IPv6 address"
        );
    }

    #[test]
    fn ipv6_ranges_match_their_addresses_only() {
        let net = r("2001:db8::/32");
        assert!(net.contains(ip("2001:db8:ffff::1")));
        assert!(!net.contains(ip("2001:db9::")));
        assert!(r("::1/128").contains(ip("::1")));
        assert!(!r("::1/128").contains(ip("::2")));
        assert!(r("::/0").contains(ip("fe80::1")));
        assert!(!r("::/0").contains(ip("10.0.0.1")));
    }

    #[test]
    fn a_bare_address_is_a_range_of_one() {
        assert_eq!(r("127.0.0.1"), r("127.0.0.1/32"));
        assert_eq!(r(" ::1 "), r("::1/128"));
        assert_eq!(r("127.0.0.1").to_string(), "127.0.0.1/32");
        assert_eq!(r("2001:DB8::").to_string(), "2001:db8::/128");
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        // What a socket bound to [::] reports for an IPv4 client.
        assert!(r("192.0.2.0/24").contains(ip("::ffff:192.0.2.7")));
        assert!(!r("192.0.2.0/24").contains(ip("::ffff:198.51.100.7")));
    }

    #[test]
    fn bad_ranges_are_refused_with_the_reason() {
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
            "10.0.0/8",
            "garbage",
            "",
            "/8",
            "fe80::1%eth0",
        ] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad:?} was accepted");
        }
        let e = "10.0.0.0/33".parse::<IpRange>().unwrap_err().to_string();
        assert!(e.contains("10.0.0.0/33") && e.contains("0 to 32"), "{e}");
        let e = "10.0.0.1/8".parse::<IpRange>().unwrap_err().to_string();
        assert!(
            e.contains("10.0.0.0") && e.contains("10.0.0.1/32"),
            "the message points at both meanings: {e}"
        );
    }

    #[test]
    fn an_empty_list_admits_everyone_and_a_list_only_its_ranges() {
        assert!(admits(&[], ip("198.51.100.1")));
        let list = [r("127.0.0.1"), r("10.0.0.0/8")];
        assert!(admits(&list, ip("10.1.2.3")));
        assert!(admits(&list, ip("127.0.0.1")));
        assert!(!admits(&list, ip("127.0.0.2")));
    }
}
