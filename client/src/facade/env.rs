//! Settings from the environment: the names of the `BAIJIAYUN_*` variables (the one place they
//! are written, which the command line reads too), [`ClientBuilder::from_env`],
//! [`Client::from_env`] and `blocking::Client::from_env`.

use std::ffi::OsString;

use crate::call::error::{Error, Result};
use crate::facade::client::{Client, ClientBuilder};

/// The account's partner id (required).
pub const PARTNER_ID: &str = "BAIJIAYUN_PARTNER_ID";
/// The account's partner key (required).
pub const PARTNER_KEY: &str = "BAIJIAYUN_PARTNER_KEY";
/// The private domain, e.g. `e12345678` (required unless [`BASE_URL`] is set).
pub const PRIVATE_DOMAIN: &str = "BAIJIAYUN_PRIVATE_DOMAIN";
/// Another server to send to, e.g. a standalone fake (optional; wins over [`PRIVATE_DOMAIN`]).
pub const BASE_URL: &str = "BAIJIAYUN_BASE_URL";
/// The Redis of the fleet-wide rate limit (optional; needs feature `redis`).
pub const REDIS_URL: &str = "BAIJIAYUN_REDIS_URL";

impl ClientBuilder {
    /// A builder from the environment:
    ///
    /// | variable | |
    /// |---|---|
    /// | `BAIJIAYUN_PARTNER_ID` | required, a positive whole number |
    /// | `BAIJIAYUN_PARTNER_KEY` | required |
    /// | `BAIJIAYUN_PRIVATE_DOMAIN` | required unless `BAIJIAYUN_BASE_URL` is set; one DNS label such as `e12345678` |
    /// | `BAIJIAYUN_BASE_URL` | optional: send to this server instead (`http(s)://host[:port]`) |
    /// | `BAIJIAYUN_REDIS_URL` | optional: turns the fleet-wide rate limit on (`baijiayun::fleet`, feature `redis`; without the feature, an error) with its defaults; change them with `ClientBuilder::fleet_rate_limit` |
    ///
    /// An empty variable counts as unset. A missing or malformed one is an
    /// [`Error::Config`] naming it (never showing the key). The builder can be changed further
    /// before it is built.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// [`ClientBuilder::from_env`] on any source of the same variables: `lookup` is asked for each
    /// `BAIJIAYUN_*` name and answers its value, or `None` for unset. The rules and errors are
    /// `from_env`'s. The `baijiayun` command line uses it to put its flags over the environment:
    ///
    /// ```
    /// # fn main() -> baijiayun::Result<()> {
    /// use baijiayun::ClientBuilder;
    ///
    /// let builder = ClientBuilder::from_lookup(|name| match name {
    ///     "BAIJIAYUN_PARTNER_ID" => Some("12345678".into()),
    ///     "BAIJIAYUN_PARTNER_KEY" => Some("partner-key".into()),
    ///     "BAIJIAYUN_PRIVATE_DOMAIN" => Some("e12345678".into()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(builder.build()?.base_url(), "https://e12345678.at.baijiayun.com");
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self> {
        let var = |name: &str| -> Result<Option<String>> {
            match lookup(name) {
                None => Ok(None),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) => v
                    .into_string()
                    .map(Some)
                    .map_err(|_| Error::Config(format!("{name} is not valid UTF-8"))),
            }
        };
        let required = |name: &str| -> Result<String> {
            var(name)?.ok_or_else(|| Error::Config(format!("{name} is not set")))
        };
        let id = required(PARTNER_ID)?;
        let partner_id = id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Error::Config(format!(
                    "{PARTNER_ID} must be a positive whole number, got {id:?}"
                ))
            })?;
        let builder = ClientBuilder::new(partner_id, required(PARTNER_KEY)?);
        let builder = match var(BASE_URL)? {
            Some(url) => builder.base_url(url),
            None => builder.private_domain(required(PRIVATE_DOMAIN)?),
        };
        let named = if var(BASE_URL)?.is_some() {
            BASE_URL
        } else {
            PRIVATE_DOMAIN
        };
        builder
            .target_url()
            .map_err(|e| Error::Config(format!("{named}: {e}")))?;
        match var(REDIS_URL)? {
            None => Ok(builder),
            #[cfg(feature = "redis")]
            Some(url) => {
                let fleet = crate::limit::fleet::FleetLimit::new(&url)
                    .map_err(|e| Error::Config(format!("{REDIS_URL}: {e}")))?;
                Ok(builder.fleet_rate_limit(fleet))
            }
            #[cfg(not(feature = "redis"))]
            Some(_) => Err(Error::Config(format!(
                "{REDIS_URL} is set, but this build of baijiayun lacks the feature `redis` that the fleet-wide rate limit needs"
            ))),
        }
    }
}

impl Client {
    /// A builder from the environment; see [`ClientBuilder::from_env`].
    ///
    /// ```no_run
    /// # async fn run() -> baijiayun::Result<()> {
    /// let client = baijiayun::Client::from_env()?.build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env() -> Result<ClientBuilder> {
        ClientBuilder::from_env()
    }
}

#[cfg(feature = "blocking")]
impl crate::blocking::Client {
    /// A builder of blocking clients from the environment; see [`ClientBuilder::from_env`].
    ///
    /// ```no_run
    /// # fn run() -> baijiayun::Result<()> {
    /// let client = baijiayun::blocking::Client::from_env()?.build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env() -> Result<ClientBuilder<crate::blocking::Client>> {
        ClientBuilder::from_env().map(ClientBuilder::blocking)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<ClientBuilder> {
        ClientBuilder::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(*v))
        })
    }

    fn config_error(vars: &[(&str, &str)]) -> String {
        match from(vars) {
            Err(Error::Config(message)) => message,
            other => panic!("expected a Config error, got {other:?}"),
        }
    }

    const OK: [(&str, &str); 3] = [
        (PARTNER_ID, "12345678"),
        (PARTNER_KEY, "secret-key"),
        (PRIVATE_DOMAIN, "e12345678"),
    ];

    #[test]
    fn the_three_required_variables_make_a_client() -> Result<()> {
        let client = from(&OK)?.build()?;
        assert_eq!(client.partner_id(), 12345678);
        assert_eq!(client.base_url(), "https://e12345678.at.baijiayun.com");
        let with_url = [&OK[..], &[(BASE_URL, "http://127.0.0.1:9/")]].concat();
        assert_eq!(from(&with_url)?.build()?.base_url(), "http://127.0.0.1:9");
        // The base URL stands in for the private domain.
        let no_domain = [OK[0], OK[1], (BASE_URL, "http://127.0.0.1:9")];
        assert_eq!(from(&no_domain)?.build()?.base_url(), "http://127.0.0.1:9");
        Ok(())
    }

    #[test]
    fn each_missing_variable_is_named() {
        for missing in [PARTNER_ID, PARTNER_KEY, PRIVATE_DOMAIN] {
            let vars: Vec<_> = OK.iter().copied().filter(|(k, _)| *k != missing).collect();
            let message = config_error(&vars);
            assert!(message.contains(missing), "{message}");
            // Empty counts as unset.
            let vars: Vec<_> = OK
                .iter()
                .map(|(k, v)| (*k, if *k == missing { "" } else { *v }))
                .collect();
            assert!(config_error(&vars).contains(missing));
        }
    }

    #[test]
    fn malformed_variables_are_named_and_the_key_never_shown() {
        for (name, bad) in [
            (PARTNER_ID, "12ab"),
            (PARTNER_ID, "-5"),
            (PRIVATE_DOMAIN, "https://e1.at.baijiayun.com"),
            (BASE_URL, "ftp://example.com"),
        ] {
            let mut vars: Vec<_> = OK.iter().copied().filter(|(k, _)| *k != name).collect();
            vars.push((name, bad));
            let message = config_error(&vars);
            assert!(message.contains(name), "{message}");
            assert!(!message.contains("secret-key"), "{message}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_utf8_is_named() {
        use std::os::unix::ffi::OsStringExt;
        let result = ClientBuilder::from_lookup(|name| match name {
            PARTNER_KEY => Some(OsString::from_vec(vec![0xff, 0xfe])),
            _ => OK
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(*v)),
        });
        assert!(matches!(result, Err(Error::Config(m)) if m.contains(PARTNER_KEY)));
    }

    #[cfg(feature = "redis")]
    #[test]
    fn a_redis_url_turns_the_fleet_limit_on() -> Result<()> {
        let vars = [&OK[..], &[(REDIS_URL, "redis://127.0.0.1:1/")]].concat();
        let client = from(&vars)?.build()?;
        assert_eq!(
            client.fleet_state(),
            Some(crate::limit::fleet::FleetState::Shared)
        );
        assert_eq!(from(&OK)?.build()?.fleet_state(), None);
        let bad = [&OK[..], &[(REDIS_URL, "nonsense://")]].concat();
        assert!(config_error(&bad).contains(REDIS_URL));
        Ok(())
    }
}
