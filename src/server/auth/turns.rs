//! One sign-in at a time per account and per address. The delays are read from the attempts
//! already recorded; without taking turns, a burst of parallel attempts would all read the
//! same counts before any of them is recorded and slip past the delays together. Attempts
//! with other names from other addresses run in parallel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

type Slot = Arc<tokio::sync::Mutex<()>>;

/// Entries beyond this are swept of idle ones (those left by attempts cancelled while waiting).
const SWEEP_ABOVE: usize = 1024;

/// A lock per key, created on demand and dropped when nobody holds or awaits it.
#[derive(Debug, Default)]
pub struct Turns {
    slots: Mutex<HashMap<String, Slot>>,
}

/// Holds the turn of one key until dropped.
pub struct Turn<'a> {
    turns: &'a Turns,
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Turns {
    /// Waits for the turn of `key`.
    pub async fn take(&self, key: String) -> Turn<'_> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if slots.len() > SWEEP_ABOVE {
                slots.retain(|_, s| Arc::strong_count(s) > 1);
            }
            slots.entry(key.clone()).or_default().clone()
        };
        Turn {
            guard: Some(slot.lock_owned().await),
            turns: self,
            key,
        }
    }

    /// Keys with a lock right now (held, awaited, or not yet swept).
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when no key has a lock.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut slots = self.turns.slots.lock().unwrap_or_else(|e| e.into_inner());
        // Only the map holds it: nobody is waiting, so the entry can go.
        if slots
            .get(&self.key)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            slots.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_turn_per_key_and_nothing_left_behind() {
        let turns = Arc::new(Turns::default());
        let first = turns.take("u:alice".into()).await;
        let other = turns.take("a:192.0.2.1".into()).await;
        let waiting = {
            let turns = turns.clone();
            tokio::spawn(async move {
                let _t = turns.take("u:alice".into()).await;
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the second alice waits her turn");
        drop(first);
        waiting.await.expect("second turn");
        drop(other);
        assert!(turns.is_empty(), "no lock kept once nobody needs it");
    }
}
