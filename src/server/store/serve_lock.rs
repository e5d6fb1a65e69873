//! One `ebb serve` per SQLite file. Two servers on one file would both run the controller and
//! act on every workload twice, so `serve` holds an exclusive advisory lock on a file beside the
//! database (`<database>.serve-lock`) for as long as it runs, and writes who it is into it. A
//! second `serve` is refused with that holder's process id, host, address and start time.
//! One-shot commands (`user add` and the like) take no lock and keep working meanwhile. The
//! kernel drops the lock when the holder exits, however it ends (SIGKILL included), so a stale
//! file never blocks a restart; the file itself is left in place (removing it would let two
//! servers lock two different files).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another `ebb serve` holds it.
    #[error("another ebb is using the database {database} ({holder}); stop it first")]
    Held { database: String, holder: String },
    /// The lock file cannot be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// The held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct ServeLock {
    file: File,
    path: PathBuf,
    since: String,
}

/// What the holder is doing, as the refusal tells it.
#[derive(Debug, Clone, Copy)]
pub enum Holding {
    /// `ebb serve` on this address (`--bind`; updated once bound).
    Serving(SocketAddr),
    /// `ebb restore` writing the database.
    Restoring,
}

impl ServeLock {
    /// Takes the lock of the SQLite database at `database` for `holding` it.
    pub fn acquire(database: &Path, holding: Holding) -> Result<ServeLock, LockError> {
        let path = lock_path(database);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(LockError::Held {
                    database: database.display().to_string(),
                    holder: describe(&holder),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let mut lock = ServeLock {
            file,
            path: path.clone(),
            since: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        };
        lock.record(holding).map_err(io)?;
        Ok(lock)
    }

    /// Records the address the server listens on (once bound; `--bind` may name port 0).
    pub fn listening(&mut self, bind: SocketAddr) -> std::io::Result<()> {
        self.record(Holding::Serving(bind))
    }

    fn record(&mut self, holding: Holding) -> std::io::Result<()> {
        let doing = match holding {
            Holding::Serving(bind) => format!("listening on {bind}"),
            Holding::Restoring => "restoring a backup".to_string(),
        };
        let me = format!(
            "pid={}\nhost={}\ndoing={doing}\nsince={}\n",
            std::process::id(),
            hostname(),
            self.since
        );
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(me.as_bytes())?;
        self.file.sync_all()
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<database>.serve-lock`.
pub fn lock_path(database: &Path) -> PathBuf {
    sibling(database, ".serve-lock")
}

/// `path` with `suffix` appended to its file name (files that belong with a database).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// "process 1234 on host web-1, listening on 127.0.0.1:3000, since …" from the lock file's
/// lines (whatever of them are there).
fn describe(contents: &str) -> String {
    let field = |key: &str| {
        contents
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.chars().take(200).collect::<String>())
    };
    match (field("pid"), field("host"), field("doing"), field("since")) {
        (Some(pid), host, doing, since) => {
            let mut s = format!("process {pid}");
            if let Some(h) = host {
                s.push_str(&format!(" on host {h}"));
            }
            if let Some(d) = doing {
                s.push_str(&format!(", {d}"));
            }
            if let Some(t) = since {
                s.push_str(&format!(", since {t}"));
            }
            s
        }
        _ => "a process that has not written its name yet".to_string(),
    }
}

/// This machine's name, as the kernel knows it.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name_until_it_lets_go() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("data").join("ebb.db");
        let bind: SocketAddr = "127.0.0.1:3000".parse().expect("addr");
        let first = ServeLock::acquire(&db, Holding::Serving(bind)).expect("first");
        assert_eq!(
            first.path(),
            dir.path().join("data").join("ebb.db.serve-lock")
        );
        let err = ServeLock::acquire(&db, Holding::Restoring).expect_err("second");
        let text = err.to_string();
        let pid = format!("process {}", std::process::id());
        assert!(text.contains(&pid), "{text}");
        assert!(text.contains("listening on 127.0.0.1:3000"), "{text}");
        assert!(text.contains(&db.display().to_string()), "{text}");
        drop(first);
        let held = ServeLock::acquire(&db, Holding::Restoring).expect("free again");
        let text = ServeLock::acquire(&db, Holding::Serving(bind))
            .expect_err("held by a restore")
            .to_string();
        assert!(text.contains("restoring a backup"), "{text}");
        drop(held);
    }

    #[test]
    fn a_lock_file_of_any_shape_is_described_safely() {
        assert_eq!(describe(""), "a process that has not written its name yet");
        assert_eq!(describe("pid=7\n"), "process 7");
        let long = format!("pid={}\n", "9".repeat(1000));
        assert_eq!(describe(&long).len(), "process ".len() + 200);
    }
}
