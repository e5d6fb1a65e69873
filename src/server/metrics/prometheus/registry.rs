//! The clients of the configured Prometheus servers, shared by the controller and the pages,
//! rebuilt when a server's settings change; and each server's back-off: after a failure that
//! is the server's (unreachable, TLS, timeout, 5xx) it is not asked again for 1, 2, 4 … 60 s,
//! and the metrics that need it are missing meanwhile (so nothing scales in on them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::client::{PromClient, PromError};
use super::reading::Series;
use super::settings::PromSettings;

/// Longest back-off.
const MOST_BACKOFF: Duration = Duration::from_secs(60);

/// Why a query was not answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AskError {
    #[error("no Prometheus server is named {0:?}: add it on /backends, or correct the policy")]
    Unknown(String),
    #[error("Prometheus {0}: {1}")]
    Failed(String, PromError),
    #[error("Prometheus {0} failed {1} time(s) in a row; next try in {2} s")]
    BackingOff(String, u32, u64),
}

type Entry = (String, Arc<PromClient>);

/// The servers by name.
#[derive(Default)]
pub struct PromServers {
    clients: RwLock<HashMap<String, Entry>>,
    /// Per server: failures in a row and when it may be asked again.
    backoff: Mutex<HashMap<String, (u32, Instant)>>,
}

impl PromServers {
    /// Makes the registry hold exactly `rows` (name, settings JSON): new and changed ones are
    /// built, removed ones dropped. A row whose settings cannot be used is left out (its
    /// queries then say the server is unknown; the server log says why).
    pub fn sync(&self, rows: &[(String, String)]) {
        let mut clients = self.clients.write().expect("clients");
        clients.retain(|name, _| rows.iter().any(|(n, _)| n == name));
        for (name, json) in rows {
            if clients.get(name).is_some_and(|(j, _)| j == json) {
                continue;
            }
            let built = PromSettings::from_json(json)
                .map_err(|e| e.to_string())
                .and_then(|s| PromClient::new(s.server()).map_err(|e| e.to_string()));
            match built {
                Ok(client) => {
                    clients.insert(name.clone(), (json.clone(), Arc::new(client)));
                    self.backoff.lock().expect("backoff").remove(name);
                }
                Err(e) => {
                    clients.remove(name);
                    tracing::error!("Prometheus server {name}: {e}");
                }
            }
        }
    }

    /// The client of server `name`.
    pub fn client(&self, name: &str) -> Option<Arc<PromClient>> {
        let clients = self.clients.read().expect("clients");
        clients.get(name).map(|(_, c)| c.clone())
    }

    /// Runs `query` on server `name`, unless it is backing off.
    pub async fn query(&self, name: &str, query: &str) -> Result<Vec<Series>, AskError> {
        let client = self
            .client(name)
            .ok_or_else(|| AskError::Unknown(name.to_string()))?;
        if let Some((n, until)) = self.backoff.lock().expect("backoff").get(name).copied() {
            let now = Instant::now();
            if until > now {
                let secs = (until - now).as_secs_f64().ceil() as u64;
                return Err(AskError::BackingOff(name.to_string(), n, secs));
            }
        }
        match client.query(query).await {
            Ok(series) => {
                self.backoff.lock().expect("backoff").remove(name);
                Ok(series)
            }
            Err(e) => {
                let the_servers = matches!(
                    e,
                    PromError::Unreachable(..)
                        | PromError::Tls(_)
                        | PromError::Timeout(_)
                        | PromError::Status(500..=599, _)
                );
                if the_servers {
                    let mut backoff = self.backoff.lock().expect("backoff");
                    let n = backoff.get(name).map_or(0, |(n, _)| *n) + 1;
                    let wait = Duration::from_secs(1 << (n - 1).min(6)).min(MOST_BACKOFF);
                    backoff.insert(name.to_string(), (n, Instant::now() + wait));
                }
                Err(AskError::Failed(name.to_string(), e))
            }
        }
    }
}
