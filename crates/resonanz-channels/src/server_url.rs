//! Parsing of the small `scheme://user:pass@host:port/path?query` URLs that configure SMTP and
//! IMAP accounts. Hand-written because the `url` crate would be a dependency for twenty lines.

/// A server URL that could not be understood. The message never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid server URL: {0}")]
pub struct InvalidServerUrl(pub String);

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ServerUrl {
    pub scheme: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// Percent-decoded, without the leading slash.
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl ServerUrl {
    pub fn parse(input: &str) -> Result<Self, InvalidServerUrl> {
        let input = input.trim();
        let (scheme, rest) = input.split_once("://").ok_or_else(|| InvalidServerUrl("missing `scheme://`".into()))?;
        let scheme = scheme.to_ascii_lowercase();
        let (before_query, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.split_once('/') {
            Some((a, p)) => (a, p),
            None => (before_query, ""),
        };
        // The password may itself contain `@` when the user did not encode it, so the host
        // starts after the last one.
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (user, pass) = match info.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (info, None),
                };
                let user = percent_decode(user)?;
                let pass = pass.map(percent_decode).transpose()?;
                ((!user.is_empty()).then_some(user), pass)
            }
        };
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() {
            return Err(InvalidServerUrl("missing host".into()));
        }
        let query = match query {
            None => Vec::new(),
            Some(q) => q
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    Ok((percent_decode(k)?, percent_decode(&v.replace('+', " "))?))
                })
                .collect::<Result<Vec<_>, InvalidServerUrl>>()?,
        };
        Ok(Self { scheme, username, password, host, port, path: percent_decode(path)?, query })
    }

    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), InvalidServerUrl> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        // IPv6 literal: `[::1]:993`
        let (host, after) = rest.split_once(']').ok_or_else(|| InvalidServerUrl("unclosed `[` in host".into()))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| InvalidServerUrl("garbage after IPv6 host".into()))?),
        };
        (host, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(p.parse::<u16>().map_err(|_| InvalidServerUrl(format!("invalid port `{p}`")))?),
    };
    Ok((host.to_string(), port))
}

fn percent_decode(input: &str) -> Result<String, InvalidServerUrl> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| InvalidServerUrl("invalid percent-encoding".into()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| InvalidServerUrl("percent-encoding is not valid UTF-8".into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_full_url_with_encoded_credentials() {
        let url = ServerUrl::parse(
            "imaps://s%C3%BCpport%40firma.de:p%40ss:w@mail.firma.de:993/Posteingang%20Neu?move_to=Erledigt",
        )
        .unwrap();
        assert_eq!(url.scheme, "imaps");
        assert_eq!(url.username.as_deref(), Some("süpport@firma.de"));
        assert_eq!(url.password.as_deref(), Some("p@ss:w"));
        assert_eq!(url.host, "mail.firma.de");
        assert_eq!(url.port, Some(993));
        assert_eq!(url.path, "Posteingang Neu");
        assert_eq!(url.query_value("move_to"), Some("Erledigt"));
    }

    #[test]
    fn unencoded_at_in_password_splits_at_last_at() {
        let url = ServerUrl::parse("smtp://user:geh@im@host").unwrap();
        assert_eq!(url.password.as_deref(), Some("geh@im"));
        assert_eq!(url.host, "host");
        assert_eq!(url.port, None);
    }

    #[test]
    fn ipv6_host() {
        let url = ServerUrl::parse("smtp://[::1]:2525").unwrap();
        assert_eq!(url.host, "::1");
        assert_eq!(url.port, Some(2525));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(ServerUrl::parse("host:25").is_err());
        assert!(ServerUrl::parse("smtp://host:99999").is_err());
        assert!(ServerUrl::parse("smtp://").is_err());
        assert!(ServerUrl::parse("smtp://u:%zz@host").is_err());
    }
}
