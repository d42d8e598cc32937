//! Sizes, durations and addresses in the configuration, as an operator writes them:
//! `"16 GiB"`, `"64MiB"`, `1048576`; `"60s"`, `"10m"`, `"2h"`, `90` (seconds);
//! `"127.0.0.1:2222"` or `["127.0.0.1:2222", "[::1]:2222"]`.

use serde::{Deserialize, Deserializer};
use std::net::SocketAddr;
use std::time::Duration;

/// One or more listen addresses: a string, or an array of strings (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen(pub Vec<SocketAddr>);

impl std::fmt::Display for Listen {
    /// The addresses separated by `, `.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&all.join(", "))
    }
}

impl<'de> Deserialize<'de> for Listen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        let texts = match OneOrMany::deserialize(d)? {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        if texts.is_empty() {
            return Err(serde::de::Error::custom(
                "at least one address (`\"127.0.0.1:2222\"`)",
            ));
        }
        texts
            .iter()
            .map(|t| {
                t.trim().parse().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{t}` is not an address and port (`127.0.0.1:2222`, `[::1]:2222`)"
                    ))
                })
            })
            .collect::<Result<_, _>>()
            .map(Listen)
    }
}

/// A number of bytes: an integer, or a string with a binary unit (`KiB`, `MiB`, `GiB`, `TiB`;
/// `K`, `M`, `G`, `T` mean the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

/// A duration: an integer number of seconds, or a string with a unit (`s`, `m`, `h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secs(pub Duration);

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Int(u64),
    Text(String),
}

fn split_unit(s: &str) -> (&str, &str) {
    let s = s.trim();
    let at = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    (&s[..at], s[at..].trim())
}

impl std::str::FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (n, unit) = split_unit(s);
        let n: u64 = n.parse().map_err(|_| format!("`{s}` is not a size"))?;
        let shift = match unit.to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kib" => 10,
            "m" | "mib" => 20,
            "g" | "gib" => 30,
            "t" | "tib" => 40,
            _ => return Err(format!("`{s}`: unknown unit (B, KiB, MiB, GiB, TiB)")),
        };
        n.checked_mul(1 << shift)
            .map(ByteSize)
            .ok_or_else(|| format!("`{s}` is too large"))
    }
}

impl std::str::FromStr for Secs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (n, unit) = split_unit(s);
        let n: u64 = n.parse().map_err(|_| format!("`{s}` is not a duration"))?;
        let factor = match unit {
            "" | "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            _ => return Err(format!("`{s}`: unknown unit (s, m, h)")),
        };
        n.checked_mul(factor)
            .map(|s| Secs(Duration::from_secs(s)))
            .ok_or_else(|| format!("`{s}` is too long"))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(ByteSize(n)),
            Raw::Text(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

impl<'de> Deserialize<'de> for Secs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(Secs(Duration::from_secs(n))),
            Raw::Text(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_parse_with_units() {
        assert_eq!("16 GiB".parse::<ByteSize>(), Ok(ByteSize(16 << 30)));
        assert_eq!("64M".parse::<ByteSize>(), Ok(ByteSize(64 << 20)));
        assert_eq!("100".parse::<ByteSize>(), Ok(ByteSize(100)));
        assert!("1.5G".parse::<ByteSize>().is_err());
        assert!("99999999999T".parse::<ByteSize>().is_err());
        assert_eq!("10m".parse::<Secs>(), Ok(Secs(Duration::from_secs(600))));
        assert_eq!("45".parse::<Secs>(), Ok(Secs(Duration::from_secs(45))));
        assert!("3d".parse::<Secs>().is_err());
    }

    #[derive(Debug, Deserialize)]
    struct WithListen {
        listen: Listen,
    }

    fn listen(toml_value: &str) -> Result<Listen, toml::de::Error> {
        toml::from_str::<WithListen>(&format!("listen = {toml_value}")).map(|w| w.listen)
    }

    #[test]
    fn listen_is_one_address_or_several() {
        let one = listen("\"127.0.0.1:2222\"").unwrap();
        assert_eq!(one.0, vec!["127.0.0.1:2222".parse().unwrap()]);
        let two = listen("[\"127.0.0.1:2222\", \"[::1]:2222\"]").unwrap();
        assert_eq!(two.to_string(), "127.0.0.1:2222, [::1]:2222");
        assert!(listen("[]").is_err());
        let e = listen("[\"127.0.0.1\"]").unwrap_err().to_string();
        assert!(e.contains("`127.0.0.1` is not an address and port"), "{e}");
        assert!(listen("2222").is_err());
    }
}
