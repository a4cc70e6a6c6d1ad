//! Network addresses in rules: the sources a fingerprint machine may push from, and the proxies
//! whose `X-Forwarded-For` is believed. A list is parsed whole, so a stored or configured list is
//! always valid.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// Why a list of networks is not acceptable; `item` is the 0-based position of the bad entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("entry {item} ({text:?}) is not an IP address or a CIDR network such as 203.0.113.7 or 10.20.0.0/24")]
    NotANetwork { item: usize, text: String },
    #[error("entry {item} ({text:?}) has host bits set; the network is {network}")]
    HostBits { item: usize, text: String, network: String },
    #[error("entry {item} ({text:?}) is every address; say so with allow_any_source instead")]
    Everything { item: usize, text: String },
    #[error("at most {max} networks")]
    TooMany { max: usize },
}

impl NetworkError {
    /// The position of the entry at fault, when one is.
    pub fn item(&self) -> Option<usize> {
        match self {
            NetworkError::NotANetwork { item, .. }
            | NetworkError::HostBits { item, .. }
            | NetworkError::Everything { item, .. } => Some(*item),
            NetworkError::TooMany { .. } => None,
        }
    }
}

/// A non-empty or empty list of IP networks; a bare address is a network of one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(Vec<IpNet>);

impl Networks {
    /// Most networks in one list.
    pub const MAX: usize = 32;

    /// Parses entries such as `203.0.113.7`, `10.20.0.0/24` or `2001:db8::/48`. An entry with
    /// host bits set (`10.20.0.5/24`) is refused rather than silently widened, and so is a
    /// network of every address (`0.0.0.0/0`).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, NetworkError> {
        if entries.len() > Self::MAX {
            return Err(NetworkError::TooMany { max: Self::MAX });
        }
        let mut nets = Vec::with_capacity(entries.len());
        for (item, text) in entries.iter().enumerate() {
            let text = text.as_ref().trim();
            let net = if text.contains('/') {
                let net: IpNet = text.parse().map_err(|_| NetworkError::NotANetwork { item, text: text.to_owned() })?;
                if net.trunc() != net {
                    return Err(NetworkError::HostBits {
                        item,
                        text: text.to_owned(),
                        network: net.trunc().to_string(),
                    });
                }
                net
            } else {
                let addr: IpAddr =
                    text.parse().map_err(|_| NetworkError::NotANetwork { item, text: text.to_owned() })?;
                IpNet::from(addr.to_canonical())
            };
            if net.prefix_len() == 0 {
                return Err(NetworkError::Everything { item, text: text.to_owned() });
            }
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        Ok(Networks(nets))
    }

    /// Parses a comma-separated list (the stored and the configured form).
    pub fn parse_joined(s: &str) -> Result<Self, NetworkError> {
        let entries: Vec<&str> = s.split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
        Self::parse(&entries)
    }

    /// Whether `addr` lies in one of the networks (an IPv4 address seen as `::ffff:a.b.c.d`
    /// counts as itself).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|n| n.contains(&addr))
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each network as text, `a.b.c.d/n`.
    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

impl fmt::Display for Networks {
    /// The comma-separated form that [`Networks::parse_joined`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.entries().join(","))
    }
}

/// Where a fingerprint machine may push from: the networks named when it was registered, or,
/// said explicitly, anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineSources {
    /// Only from these networks (never empty).
    Only(Networks),
    /// From any address: flagged wherever machines are listed.
    Any,
}

/// Why the sources of a machine are not acceptable, and which field says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourcesError {
    #[error("{0}")]
    Network(NetworkError),
    #[error(
        "name the addresses the machine pushes from (for example the office's gateway, 203.0.113.7 or \
         10.20.0.0/24), or set allow_any_source: true to accept pushes from anywhere"
    )]
    Missing,
    #[error("allow_any_source: true accepts every address; leave allowed_sources empty with it")]
    Both,
}

impl MachineSources {
    /// The sources from the two fields a client sends.
    pub fn new<S: AsRef<str>>(allowed: &[S], allow_any: bool) -> Result<Self, SourcesError> {
        let nets = Networks::parse(allowed).map_err(SourcesError::Network)?;
        match (nets.is_empty(), allow_any) {
            (true, true) => Ok(MachineSources::Any),
            (false, false) => Ok(MachineSources::Only(nets)),
            (true, false) => Err(SourcesError::Missing),
            (false, true) => Err(SourcesError::Both),
        }
    }

    /// Whether a push from `addr` (`None`: the address is not known) is accepted.
    pub fn permits(&self, addr: Option<IpAddr>) -> bool {
        match self {
            MachineSources::Any => true,
            MachineSources::Only(nets) => addr.is_some_and(|a| nets.contains(a)),
        }
    }
}

/// The address a request comes from: the peer, or, when the peer is one of the `trusted`
/// proxies, the address that proxy names. `forwarded_for` is every `X-Forwarded-For` line as
/// received, joined in order with commas: each proxy appends the address it saw, so it is read
/// from the right, skipping the trusted proxies, and the first address not trusted is the
/// client. A hop may carry a port (`203.0.113.7:5000`, `[2001:db8::1]:443`). When a trusted
/// proxy's header holds a hop that cannot be read, the client is unknown (`None`): never the
/// proxy itself, whose address may well be inside a network that rules trust.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &Networks) -> Option<IpAddr> {
    let peer = peer.map(|p| p.to_canonical())?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else { return Some(peer) };
    let mut hops = Vec::new();
    for hop in header.split(',') {
        let hop = hop.trim();
        let addr = hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))?;
        hops.push(addr.to_canonical());
    }
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !trusted.contains(hop) {
            break;
        }
    }
    Some(client)
}

/// Whether `authority` (a link's part between `//` and its path) names its host in brackets as
/// written: `[` an IPv6 address in hex groups `]`, then at most a `:port`. An address with an
/// embedded IPv4 part or a zone is not taken, so that what a link may hold is exactly its API
/// schema's pattern (`EndpointUrl::PATTERN`, `EvidenceUrl::PATTERN`).
pub fn bracketed_host(authority: &str) -> bool {
    let Some((host, rest)) = authority.strip_prefix('[').and_then(|a| a.split_once(']')) else {
        return false;
    };
    let port =
        rest.strip_prefix(':').map_or(rest.is_empty(), |p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    port && !host.contains('.') && host.parse::<std::net::Ipv6Addr>().is_ok()
}

/// Whether `c` may stand in a URI as written (RFC 3986): printable ASCII but for `"`, `<`, `>`,
/// `\`, `^`, `` ` ``, `{`, `|` and `}`, which are percent-encoded. (A browser reads a `\` in a
/// link as `/`, so a link holding one would not go where it seems to.)
pub fn uri_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn lists_parse_whole_and_refuse_what_would_widen() {
        let n = Networks::parse(&["203.0.113.7", "10.20.0.0/24", "2001:db8::/48"]).unwrap();
        assert_eq!(n.entries(), ["203.0.113.7/32", "10.20.0.0/24", "2001:db8::/48"]);
        assert!(n.contains(ip("10.20.0.99")) && n.contains(ip("::ffff:203.0.113.7")));
        assert!(!n.contains(ip("10.20.1.1")) && !n.contains(ip("203.0.113.8")));
        assert!(matches!(Networks::parse(&["10.20.0.5/24"]), Err(NetworkError::HostBits { item: 0, .. })));
        assert!(matches!(Networks::parse(&["x", "1.2.3.4"]), Err(NetworkError::NotANetwork { item: 0, .. })));
        assert!(matches!(Networks::parse(&["1.2.3.4", "0.0.0.0/0"]), Err(NetworkError::Everything { item: 1, .. })));
        assert!(Networks::parse(&vec!["1.2.3.4"; 33]).is_err());
        assert_eq!(Networks::parse_joined(&n.to_string()).unwrap(), n);
    }

    #[test]
    fn machines_name_their_sources_or_say_any() {
        let only = MachineSources::new(&["192.0.2.0/24"], false).unwrap();
        assert!(only.permits(Some(ip("192.0.2.9"))));
        assert!(!only.permits(Some(ip("198.51.100.1"))) && !only.permits(None));
        assert_eq!(MachineSources::new::<&str>(&[], true).unwrap(), MachineSources::Any);
        assert!(MachineSources::Any.permits(None));
        assert_eq!(MachineSources::new::<&str>(&[], false), Err(SourcesError::Missing));
        assert_eq!(MachineSources::new(&["192.0.2.1"], true), Err(SourcesError::Both));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies = Networks::parse(&["10.0.0.0/8"]).unwrap();
        // Straight from the internet: the header is the client's own claim, ignored.
        assert_eq!(client_address(Some(ip("198.51.100.4")), Some("1.1.1.1"), &proxies), Some(ip("198.51.100.4")));
        // Through our proxy: the address it saw.
        assert_eq!(client_address(Some(ip("10.0.0.2")), Some("198.51.100.4"), &proxies), Some(ip("198.51.100.4")));
        // A forged entry left of the real one is not believed.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), Some("1.1.1.1, 198.51.100.4, 10.0.0.3"), &proxies),
            Some(ip("198.51.100.4"))
        );
        // Unreadable behind a trusted proxy: unknown, never the proxy's own (trusted) address.
        assert_eq!(client_address(Some(ip("10.0.0.2")), Some("garbage"), &proxies), None);
        assert_eq!(client_address(Some(ip("10.0.0.2")), Some("x, 198.51.100.4"), &proxies), None);
        assert_eq!(client_address(Some(ip("10.0.0.2")), Some("198.51.100.4:5000"), &proxies), Some(ip("198.51.100.4")));
        assert_eq!(client_address(Some(ip("10.0.0.2")), Some("[2001:db8::1]:443"), &proxies), Some(ip("2001:db8::1")));
        assert_eq!(client_address(Some(ip("10.0.0.2")), None, &proxies), Some(ip("10.0.0.2")));
        assert_eq!(client_address(None, Some("1.1.1.1"), &proxies), None);
    }
}
