//! Where the account comes from: the environment (`BAIJIAYUN_*`, as `Client::from_env` reads it),
//! each variable overridable by a global flag. The partner key is kept in a [`SecretString`] and
//! never printed.

use std::fmt;
use std::path::PathBuf;

use baijiayun::{Client, ClientBuilder};
use secrecy::{ExposeSecret as _, SecretString};

use crate::output::Failure;

/// The variables, by name.
pub(crate) use baijiayun::env::{BASE_URL, PARTNER_ID, PARTNER_KEY, PRIVATE_DOMAIN, REDIS_URL};

/// The global flags that override the environment.
#[derive(clap::Args)]
#[command(next_help_heading = "Account (flags override the BAIJIAYUN_* environment)")]
pub(crate) struct Connection {
    /// The partner id [env: BAIJIAYUN_PARTNER_ID].
    #[arg(long, global = true, value_name = "ID")]
    partner_id: Option<i64>,

    /// The partner key [env: BAIJIAYUN_PARTNER_KEY]. A key given here ends up in your shell
    /// history: prefer the environment or --partner-key-file.
    #[arg(long, global = true, value_name = "KEY")]
    partner_key: Option<String>,

    /// A file holding the partner key (a trailing newline is ignored).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with = "partner_key"
    )]
    partner_key_file: Option<PathBuf>,

    /// The private domain (专属域名), e.g. e12345678 [env: BAIJIAYUN_PRIVATE_DOMAIN].
    #[arg(long, global = true, value_name = "LABEL")]
    private_domain: Option<String>,

    /// Another server instead of the private domain, e.g. http://127.0.0.1:8080
    /// [env: BAIJIAYUN_BASE_URL].
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,

    /// Redis for the rate limit shared by a fleet [env: BAIJIAYUN_REDIS_URL].
    #[arg(long, global = true, value_name = "URL")]
    redis_url: Option<String>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("partner_id", &self.partner_id)
            .field(
                "partner_key",
                &self.partner_key.as_ref().map(|_| "[redacted]"),
            )
            .field("partner_key_file", &self.partner_key_file)
            .field("private_domain", &self.private_domain)
            .field("base_url", &self.base_url)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Where requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `https://{label}.at.baijiayun.com`.
    PrivateDomain(String),
    /// Any other server.
    BaseUrl(String),
}

/// The account, resolved.
pub(crate) struct Settings {
    pub(crate) partner_id: i64,
    partner_key: SecretString,
    pub(crate) target: Target,
    redis_url: Option<String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("partner_id", &self.partner_id)
            .field("partner_key", &"[redacted]")
            .field("target", &self.target)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Connection {
    /// A variable: its flag, else the environment. An empty variable counts as unset.
    fn var(&self, flag: Option<&str>, name: &str) -> Option<String> {
        flag.map(str::to_owned)
            .or_else(|| std::env::var(name).ok())
            .filter(|v| !v.trim().is_empty())
    }

    /// The partner id, when one is given (the fake server has a default).
    pub(crate) fn partner_id(&self) -> Result<Option<i64>, Failure> {
        if let Some(id) = self.partner_id {
            return Ok(Some(id));
        }
        self.var(None, PARTNER_ID)
            .map(|v| {
                v.trim().parse().map_err(|_| {
                    Failure::Config(format!("{PARTNER_ID} must be an integer, got {v:?}"))
                })
            })
            .transpose()
    }

    /// The partner key, when one is given: --partner-key (with a warning), --partner-key-file,
    /// else the environment.
    pub(crate) fn partner_key(&self) -> Result<Option<SecretString>, Failure> {
        if let Some(key) = &self.partner_key {
            eprintln!(
                "warning: a partner key given with --partner-key ends up in your shell history; \
                 prefer {PARTNER_KEY} or --partner-key-file"
            );
            return Ok(Some(SecretString::from(key.clone())));
        }
        if let Some(path) = &self.partner_key_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::Config(format!(
                    "cannot read --partner-key-file {}: {e}",
                    path.display()
                ))
            })?;
            let key = text.trim_end_matches(['\n', '\r']);
            if key.is_empty() {
                return Err(Failure::Config(format!(
                    "--partner-key-file {} is empty",
                    path.display()
                )));
            }
            return Ok(Some(SecretString::from(key.to_owned())));
        }
        Ok(self.var(None, PARTNER_KEY).map(SecretString::from))
    }

    /// Everything a call needs: the `BAIJIAYUN_*` variables with the flags on top. The client is
    /// then built from them by the library's `from_env` rules ([`Settings::builder`]).
    pub(crate) fn settings(&self) -> Result<Settings, Failure> {
        let partner_id = self.partner_id()?.ok_or_else(|| {
            Failure::Config(format!("{PARTNER_ID} is not set (or pass --partner-id)"))
        })?;
        let partner_key = self.partner_key()?.ok_or_else(|| {
            Failure::Config(format!(
                "{PARTNER_KEY} is not set (or pass --partner-key-file)"
            ))
        })?;
        let target = match (
            self.var(self.base_url.as_deref(), BASE_URL),
            self.var(self.private_domain.as_deref(), PRIVATE_DOMAIN),
        ) {
            (Some(url), _) => Target::BaseUrl(url),
            (None, Some(domain)) => Target::PrivateDomain(domain),
            (None, None) => {
                return Err(Failure::Config(format!(
                    "{PRIVATE_DOMAIN} is not set (or pass --private-domain, or --base-url for another server)"
                )));
            }
        };
        Ok(Settings {
            partner_id,
            partner_key,
            target,
            redis_url: self.var(self.redis_url.as_deref(), REDIS_URL),
        })
    }
}

impl Settings {
    /// The client builder for these settings, made by the library's own `from_env` rules
    /// (`ClientBuilder::from_lookup`) over the resolved flags and environment: the same checks, and
    /// `BAIJIAYUN_REDIS_URL` turns the fleet-wide rate limit on.
    pub(crate) fn builder(&self) -> Result<ClientBuilder, Failure> {
        let id = self.partner_id.to_string();
        ClientBuilder::from_lookup(|name| {
            let value = match (name, &self.target) {
                (PARTNER_ID, _) => Some(id.as_str()),
                (PARTNER_KEY, _) => Some(self.partner_key.expose_secret()),
                (BASE_URL, Target::BaseUrl(url)) => Some(url.as_str()),
                (PRIVATE_DOMAIN, Target::PrivateDomain(label)) => Some(label.as_str()),
                (REDIS_URL, _) => self.redis_url.as_deref(),
                _ => None,
            };
            value.map(std::ffi::OsString::from)
        })
        .map_err(Failure::from)
    }

    /// The async client.
    pub(crate) fn client(&self) -> Result<Client, Failure> {
        self.builder()?.build().map_err(Failure::from)
    }
}
