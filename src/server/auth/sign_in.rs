//! What the sign-in form needs besides the store, built once per process and kept in the
//! `AppState`: the trusted proxies that decide the client address, the delays, the clock,
//! turn-taking per account and address, and password verification, which costs one argon2id
//! verification for every attempt it checks, whether the name exists or not.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;

use super::origin::PublicUrl;
use super::proxies::TrustedProxies;
use super::secrets::{hash_password, random_hex, verify_password};
use super::throttle::Delays;
use super::turns::{Turn, Turns};
use crate::server::clock::{Clock, TokioClock};

/// Sign-in settings and shared state.
pub struct SignIn {
    proxies: TrustedProxies,
    /// `--public-url`, when set.
    public_url: Option<PublicUrl>,
    delays: Delays,
    clock: Arc<dyn Clock>,
    /// A hash of a random password with the parameters real hashes use, checked for names
    /// that do not exist or are disabled so that they cost what a real name costs.
    dummy: OnceCell<String>,
    verifications: AtomicU64,
    turns: Turns,
}

impl SignIn {
    /// Sign-in believing `X-Forwarded-For` from `proxies`, with the default delays and the
    /// wall clock.
    pub fn new(proxies: TrustedProxies) -> SignIn {
        SignIn {
            proxies,
            public_url: None,
            delays: Delays::default(),
            clock: Arc::new(TokioClock::new()),
            dummy: OnceCell::new(),
            verifications: AtomicU64::new(0),
            turns: Turns::default(),
        }
    }

    /// The same with the site's public address (`--public-url`).
    pub fn with_public_url(self, public_url: Option<PublicUrl>) -> SignIn {
        SignIn { public_url, ..self }
    }

    /// `--public-url`, when set.
    pub fn public_url(&self) -> Option<&PublicUrl> {
        self.public_url.as_ref()
    }

    /// The same with other delays.
    pub fn with_delays(self, delays: Delays) -> SignIn {
        SignIn { delays, ..self }
    }

    /// The same reading time from `clock` (tests move it instead of sleeping).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> SignIn {
        SignIn { clock, ..self }
    }

    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub fn proxies(&self) -> &TrustedProxies {
        &self.proxies
    }

    /// The delays after failed sign-ins.
    pub fn delays(&self) -> &Delays {
        &self.delays
    }

    /// Now, by the sign-in clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Builds the dummy hash now (at start), so that no sign-in pays for it.
    pub async fn prepare(&self) -> Result<(), String> {
        self.dummy().await.map(|_| ())
    }

    async fn dummy(&self) -> Result<&String, String> {
        self.dummy
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(|| hash_password(&random_hex(16)))
                    .await
                    .map_err(|e| format!("hashing stopped: {e}"))?
            })
            .await
    }

    /// Waits for the turn of this name and of this address (always in that order, so two
    /// attempts never wait for each other crosswise).
    pub async fn turns(&self, username: &str, address: &str) -> (Turn<'_>, Turn<'_>) {
        let account = self
            .turns
            .take(format!("u:{}", username.to_ascii_lowercase()))
            .await;
        let address = self.turns.take(format!("a:{address}")).await;
        (account, address)
    }

    /// True when `password` matches `hash`; without a hash (no such enabled user) the dummy
    /// hash is checked instead and the answer is false. Runs off the async threads.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> bool {
        let (hash, real) = match hash {
            Some(h) => (h, true),
            None => match self.dummy().await {
                Ok(d) => (d.clone(), false),
                Err(e) => {
                    tracing::error!("sign-in: no dummy hash: {e}");
                    return false;
                }
            },
        };
        let password = password.to_string();
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        matches && real
    }

    /// Password verifications run so far (the sign-in's cost, for tests and diagnostics).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}
