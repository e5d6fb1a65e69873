//! How failed sign-ins slow further ones down: growing delays instead of a lock-out.
//!
//! Three keys are counted over the last hour of attempts: the account (the typed name, from
//! anywhere), the pair (that name from this client address) and the address (any name).
//! Each key allows a few free failures; after that, every further attempt must wait a delay
//! that starts at one second and doubles with each failure, up to a cap. An attempt made
//! while any of its delays runs is refused before the password is read, is not counted and
//! writes nothing; the answer is the same whether the name exists and says when to retry.
//! Only verified failures count, so an attacker who hammers during a delay gains nothing,
//! and a success clears the account's and the pair's count (never the address's, which an
//! attacker could clear by signing in to an account of their own).
//!
//! | key     | free | cap    | against                                                  |
//! |---------|------|--------|----------------------------------------------------------|
//! | pair    | 3    | 15 min | one address guessing one account                         |
//! | address | 20   | 15 min | one address spraying many names (a NAT'd office shares it)|
//! | account | 5    | 1 min  | many addresses guessing one account                      |
//!
//! Why the account's cap is small: the account key is the only one an attacker elsewhere
//! can raise for the real owner, so it is the only way to keep someone else out. With one
//! address an attacker soon waits 15 minutes between guesses (pair and address), so the
//! account's delay runs out and the owner, from any other address, waits at most a minute.
//! An attacker with many addresses could keep re-arming that minute; so an address that
//! signed in to this account in the last 30 days skips the account key (its own pair and
//! address keys still apply): the owner at their usual places is never delayed by
//! strangers. What the account key buys is a ceiling on distributed guessing: one guess a
//! minute, 1,440 a day, however many addresses.
//!
//! Counts use an hour of history, so failures age out. Trying the moment it may, one address
//! gets 15 guesses at one account in the first hour and about 11 an hour after (263 a day;
//! the old lock allowed 20 an hour and then shut the owner out too), or about 28 names an
//! hour when spraying (the old limit: 80). Signed-in sessions and API tokens never pass here.

use chrono::{DateTime, Duration, Utc};

pub use crate::server::store::sign_ins::{History, Recent};

/// One key's allowance: `free` failures, then a delay of `base` doubling with each further
/// failure, never more than `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: i64,
    pub base: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// How long to wait after the last of `failures` counted failures.
    pub fn delay(&self, failures: i64) -> Duration {
        if failures < self.free {
            return Duration::zero();
        }
        // 2^30 base delays is past any sensible cap and still fits an i32.
        let doublings = u32::try_from((failures - self.free).min(30)).unwrap_or(30);
        (self.base * (1i32 << doublings)).min(self.cap)
    }
}

/// The sign-in delays of an installation (see the module comment for the reasoning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delays {
    /// The typed name, from any address.
    pub account: Backoff,
    /// The typed name from this address.
    pub pair: Backoff,
    /// Any name from this address.
    pub address: Backoff,
    /// How far back failures are counted.
    pub window: Duration,
    /// An address with a successful sign-in to the account this recent skips the account key.
    pub known_for: Duration,
}

impl Default for Delays {
    fn default() -> Self {
        let backoff = |free, cap| Backoff {
            free,
            base: Duration::seconds(1),
            cap: Duration::seconds(cap),
        };
        Delays {
            account: backoff(5, 60),
            pair: backoff(3, 15 * 60),
            address: backoff(20, 15 * 60),
            window: Duration::hours(1),
            known_for: Duration::days(30),
        }
    }
}

impl Delays {
    /// How long an attempt at `now` with this history must still wait (`None`: go ahead).
    pub fn wait(&self, history: &History, now: DateTime<Utc>) -> Option<Duration> {
        let account = (!history.known_address).then_some((&self.account, &history.account));
        let keys = [
            Some((&self.pair, &history.pair)),
            Some((&self.address, &history.address)),
            account,
        ];
        keys.into_iter()
            .flatten()
            .filter_map(|(backoff, recent)| Some(recent.last? + backoff.delay(recent.failures)))
            .max()
            .map(|until| until - now)
            .filter(|left| *left > Duration::zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_double_and_stop_at_the_cap() {
        let b = Backoff {
            free: 3,
            base: Duration::seconds(1),
            cap: Duration::seconds(900),
        };
        let cases: &[(i64, i64)] = &[
            (0, 0),
            (2, 0),
            (3, 1),
            (4, 2),
            (5, 4),
            (12, 512),
            (13, 900),
            (1_000_000, 900),
        ];
        for (failures, secs) in cases {
            assert_eq!(b.delay(*failures), Duration::seconds(*secs), "{failures}");
        }
    }

    #[test]
    fn the_longest_running_delay_wins_and_known_addresses_skip_the_account() {
        let d = Delays::default();
        let now = DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let ago = |s| Some(now - Duration::seconds(s));
        let recent = |failures, secs| Recent {
            failures,
            last: ago(secs),
        };
        #[rustfmt::skip]
        let cases: &[(&str, History, Option<i64>)] = &[
            ("nothing yet", History::default(), None),
            ("free failures", History { pair: recent(2, 0), account: recent(4, 0), address: recent(19, 0), ..Default::default() }, None),
            ("pair delay runs", History { pair: recent(5, 1), ..Default::default() }, Some(3)),
            ("pair delay over", History { pair: recent(5, 4), ..Default::default() }, None),
            ("address at its cap", History { address: recent(40, 60), ..Default::default() }, Some(840)),
            ("account capped at a minute", History { account: recent(500, 10), ..Default::default() }, Some(50)),
            ("known address skips the account", History { account: recent(500, 10), known_address: true, ..Default::default() }, None),
            ("known address keeps its pair delay", History { account: recent(500, 10), pair: recent(4, 0), known_address: true, ..Default::default() }, Some(2)),
            ("longest wins", History { account: recent(500, 0), pair: recent(5, 0), ..Default::default() }, Some(60)),
        ];
        for (name, history, want) in cases {
            let got = d.wait(history, now).map(|w| w.num_seconds());
            assert_eq!(got, *want, "{name}");
        }
    }
}
