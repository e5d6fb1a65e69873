//! Process configuration: command-line flags and `EBB_*` environment variables, parsed once into
//! typed structs at start-up. A bad value stops the process with one line that names the option.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};

use crate::server::auth::origin::PublicUrl;
use crate::server::auth::proxies::TrustedProxies;

/// `ebb --version`: the crate version and the git commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("EBB_GIT_COMMIT"),
    ")"
);

/// Top-level command line of the `ebb` binary.
#[derive(Debug, Parser)]
#[command(name = "ebb", version = VERSION, about = "Self-hosted scaling control plane")]
pub struct Cli {
    #[command(flatten)]
    pub serve: ServeConfig,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands besides the default (serving the dashboard and running the controller).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard and run the controller (the default).
    Serve,
    /// Replay a policy over a load trace in the simulator and print the report.
    Replay(crate::server::replay::ReplayArgs),
    /// Replay every trace in a folder with an HPA-default policy and print one table.
    BenchTraces(crate::server::replay::BenchArgs),
    /// Manage local accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Add simulated workloads to the database (benchmarks, trials at scale).
    Seed(SeedArgs),
    /// Copy the database to a new file, consistently, while `ebb serve` runs.
    Backup {
        /// The backup file to write (must not exist).
        file: PathBuf,
    },
    /// Make the database (--database-url) a copy of a backup, then bring its schema up to date.
    Restore {
        /// The backup file to read.
        file: PathBuf,
        /// Replace an existing database (it is moved aside to `<database>.before-restore-…`).
        #[arg(long)]
        force: bool,
    },
}

/// `ebb seed …`.
#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// How many simulated workloads to add (named sim-0001 and on, after any already there).
    #[arg(long, value_name = "N")]
    pub simulated: u32,
    /// Seconds between evaluations of each.
    #[arg(long, default_value_t = 15, value_name = "SECONDS")]
    pub interval: u32,
}

/// `ebb user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; its one-time password is printed once.
    Add {
        /// Account name.
        name: String,
        /// viewer, operator, editor or admin.
        #[arg(long, default_value = "viewer", value_parser = parse_role)]
        role: crate::model::auth::Role,
    },
}

fn parse_role(s: &str) -> Result<crate::model::auth::Role, String> {
    crate::model::auth::Role::parse(s)
        .ok_or_else(|| format!("unknown role '{s}'; use viewer, operator, editor or admin"))
}

/// Default of `--max-replicas-cap`.
pub const DEFAULT_MAX_REPLICAS_CAP: u32 = 1000;

/// Settings of the server process. Every one is global: it may come before or after the
/// subcommand (`ebb user add NAME --database-url …` and `ebb --database-url … user add NAME`).
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address the HTTP server listens on.
    #[arg(
        global = true,
        long,
        env = "EBB_BIND",
        default_value = "127.0.0.1:3000",
        value_name = "ADDR"
    )]
    pub bind: SocketAddr,

    /// A second address serving only `/metrics`, without sign-in, for a Prometheus that
    /// cannot send a token (keep it on a private network). Unset: `/metrics` is served on
    /// `--bind` to signed-in users and API tokens only.
    #[arg(global = true, long, env = "EBB_METRICS_BIND", value_name = "ADDR")]
    pub metrics_bind: Option<SocketAddr>,

    /// Database to use: `sqlite://PATH` (created when missing) or `sqlite::memory:`.
    #[arg(
        global = true,
        long,
        env = "EBB_DATABASE_URL",
        default_value = "sqlite://data/ebb.db",
        value_name = "URL",
        value_parser = DatabaseUrl::from_str
    )]
    pub database_url: DatabaseUrl,

    /// Directory holding the built site (`pkg/` with wasm, js, css, and public files).
    #[arg(
        global = true,
        long,
        env = "EBB_SITE_ROOT",
        default_value = "target/site",
        value_name = "DIR"
    )]
    pub site_root: PathBuf,

    /// Seconds after which an HTTP request is answered with 408 (server-sent event streams excepted).
    #[arg(global = true, long = "request-timeout", env = "EBB_REQUEST_TIMEOUT", default_value_t = 30, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,

    /// Seconds a client has to send a complete request head; a connection that has not (a slow
    /// or idle client, including an idle keep-alive connection) is closed.
    #[arg(global = true, long = "header-read-timeout", env = "EBB_HEADER_READ_TIMEOUT", default_value_t = 10, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout_secs: u64,

    /// Connections served at once; further ones wait in the listen queue until one closes.
    #[arg(global = true, long = "max-connections", env = "EBB_MAX_CONNECTIONS", default_value_t = 1000, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,

    /// Folder of load traces (CSV `timestamp,value`) the demo seed replays when present.
    #[arg(
        global = true,
        long,
        env = "EBB_TRACES_DIR",
        default_value = "../shared/traces",
        value_name = "DIR"
    )]
    pub traces_dir: PathBuf,

    /// Most replicas ebb ever asks a backend for: pins and policies above it are refused and
    /// the controller holds every workload at or below it, whatever a stored policy says.
    #[arg(global = true, long = "max-replicas-cap", env = "EBB_MAX_REPLICAS_CAP", default_value_t = DEFAULT_MAX_REPLICAS_CAP,
          value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_replicas_cap: u32,

    /// Log filter in `tracing` syntax, e.g. `info` or `ebb=debug,tower_http=info`.
    #[arg(
        global = true,
        long,
        env = "EBB_LOG",
        default_value = "info",
        value_name = "FILTER"
    )]
    pub log: String,

    /// Reverse proxies (CIDR blocks, comma-separated) whose `X-Forwarded-For` names the client;
    /// empty: the TCP peer is the client.
    #[arg(
        global = true,
        long,
        env = "EBB_TRUSTED_PROXIES",
        default_value = "",
        value_name = "CIDR,...",
        value_parser = TrustedProxies::from_str
    )]
    pub trusted_proxies: TrustedProxies,

    /// The address users reach ebb at (`https://ebb.example.com`): browsers' writes must come
    /// from exactly this origin, HTTPS there turns on `Secure` cookies and HSTS, and absolute
    /// links (`PublicUrl::link`) are made from it. Unset: the request's `Host`, over HTTPS only when a trusted proxy says so.
    #[arg(
        global = true,
        long,
        env = "EBB_PUBLIC_URL",
        value_name = "URL",
        value_parser = PublicUrl::from_str
    )]
    pub public_url: Option<PublicUrl>,
}

/// A validated database location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// SQLite file at this path (parent directories are created on start).
    SqliteFile(PathBuf),
    /// A private in-memory SQLite database (lost on exit; for tests and trials).
    SqliteMemory,
}

impl DatabaseUrl {
    /// The URL in the form sqlx understands.
    pub fn to_sqlx_url(&self) -> String {
        match self {
            DatabaseUrl::SqliteFile(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::SqliteMemory => "sqlite::memory:".to_string(),
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "sqlite::memory:" || s == "sqlite://:memory:" {
            return Ok(DatabaseUrl::SqliteMemory);
        }
        if let Some(path) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(
                    "the sqlite URL has no file path; use e.g. sqlite://data/ebb.db".into(),
                );
            }
            return Ok(DatabaseUrl::SqliteFile(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Err("PostgreSQL is not supported yet; use sqlite://PATH".into());
        }
        match s.split_once("://") {
            Some((scheme, _)) => Err(format!(
                "unsupported scheme '{scheme}'; use sqlite://PATH or sqlite::memory:"
            )),
            None => Err("not a URL; use sqlite://PATH or sqlite::memory:".into()),
        }
    }
}

impl Cli {
    /// Parses flags and environment. Help and version are printed as usual; any other problem
    /// becomes a single line naming the option, and the process exits with status 2.
    pub fn parse_or_exit() -> Cli {
        match Cli::try_parse() {
            Ok(cli) => cli,
            Err(e) => {
                use clap::error::ErrorKind;
                if matches!(
                    e.kind(),
                    ErrorKind::DisplayHelp
                        | ErrorKind::DisplayVersion
                        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                ) {
                    e.exit();
                }
                let text = e.to_string();
                let line = text
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid arguments");
                eprintln!("ebb: {}", line.trim_start_matches("error: "));
                std::process::exit(2);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        let cases: &[(&str, Result<DatabaseUrl, &str>)] = &[
            (
                "sqlite://data/ebb.db",
                Ok(DatabaseUrl::SqliteFile("data/ebb.db".into())),
            ),
            (
                "sqlite:/tmp/x.db",
                Ok(DatabaseUrl::SqliteFile("/tmp/x.db".into())),
            ),
            ("sqlite::memory:", Ok(DatabaseUrl::SqliteMemory)),
            ("sqlite://", Err("no file path")),
            ("nonsense://x", Err("unsupported scheme 'nonsense'")),
            ("postgres://u@h/db", Err("not supported yet")),
            ("hello", Err("not a URL")),
        ];
        for (input, want) in cases {
            let got = DatabaseUrl::from_str(input);
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(w, g, "{input}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{input}: {g}"),
                _ => panic!("{input}: got {got:?}"),
            }
        }
    }

    #[test]
    fn bad_bind_names_the_option() {
        let err = Cli::try_parse_from(["ebb", "--bind", "nowhere"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--bind"), "{err}");
        let err = Cli::try_parse_from(["ebb", "--database-url", "nonsense://x"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--database-url"), "{err}");
    }

    #[test]
    fn listener_limits_parse_and_bad_values_name_the_option() {
        let cli = Cli::try_parse_from(["ebb"]).expect("defaults parse");
        assert_eq!(cli.serve.header_read_timeout_secs, 10);
        assert_eq!(cli.serve.max_connections, 1000);
        let cli = Cli::try_parse_from([
            "ebb",
            "--header-read-timeout",
            "3",
            "--max-connections",
            "2",
        ])
        .expect("flags parse");
        assert_eq!(cli.serve.header_read_timeout_secs, 3);
        assert_eq!(cli.serve.max_connections, 2);
        let bad: &[(&str, &str)] = &[
            ("--header-read-timeout", "0"),
            ("--header-read-timeout", "ten"),
            ("--header-read-timeout", "3601"),
            ("--max-connections", "0"),
            ("--max-connections", "-5"),
            ("--max-connections", "many"),
        ];
        for (flag, value) in bad {
            let err = Cli::try_parse_from(["ebb".to_string(), format!("{flag}={value}")])
                .expect_err(&format!("{flag} {value} must be refused"))
                .to_string();
            assert!(
                err.contains(flag) && err.contains(value),
                "{flag} {value}: {err}"
            );
        }
    }

    #[test]
    fn trusted_proxies_default_to_none_and_a_bad_block_names_the_option() {
        let cli = Cli::try_parse_from(["ebb"]).expect("defaults");
        assert!(cli.serve.trusted_proxies.is_empty());
        let cli = Cli::try_parse_from(["ebb", "--trusted-proxies", "10.0.0.0/8,fd00::/8"])
            .expect("two blocks");
        assert!(cli.serve.trusted_proxies.contains([10, 1, 2, 3].into()));
        let err = Cli::try_parse_from(["ebb", "--trusted-proxies", "10.0.0.0/8,10.0.0.0/40"])
            .unwrap_err()
            .to_string();
        let line = err.lines().next().unwrap_or_default();
        assert!(
            line.contains("--trusted-proxies") && line.contains("'10.0.0.0/40' is not"),
            "{err}"
        );
    }

    #[test]
    fn public_url_is_optional_and_a_bad_one_names_the_option() {
        let cli = Cli::try_parse_from(["ebb"]).expect("defaults");
        assert!(cli.serve.public_url.is_none());
        let cli =
            Cli::try_parse_from(["ebb", "--public-url", "https://ebb.example.com"]).expect("url");
        assert_eq!(
            cli.serve.public_url.map(|u| u.origin()).as_deref(),
            Some("https://ebb.example.com")
        );
        let err = Cli::try_parse_from(["ebb", "--public-url", "ebb.example.com/x"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--public-url") && err.contains("https://"),
            "{err}"
        );
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let after = Cli::try_parse_from([
            "ebb",
            "user",
            "add",
            "alice",
            "--database-url",
            "sqlite:///tmp/x.db",
            "--role",
            "admin",
        ])
        .expect("an option after the subcommand parses");
        let before = Cli::try_parse_from([
            "ebb",
            "--database-url",
            "sqlite:///tmp/x.db",
            "user",
            "add",
            "alice",
        ])
        .expect("an option before the subcommand parses");
        for cli in [&after, &before] {
            assert_eq!(
                cli.serve.database_url,
                DatabaseUrl::SqliteFile("/tmp/x.db".into())
            );
            assert!(matches!(
                cli.command,
                Some(Command::User(UserCommand::Add { .. }))
            ));
        }
        let err = Cli::try_parse_from(["ebb", "user", "add", "a", "--database-url", "nope://x"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--database-url"), "{err}");
    }

    #[test]
    fn replica_cap_defaults_to_1000_and_refuses_0() {
        let cli = Cli::try_parse_from(["ebb"]).expect("defaults parse");
        assert_eq!(cli.serve.max_replicas_cap, 1000);
        let cli = Cli::try_parse_from(["ebb", "--max-replicas-cap", "40"]).expect("parse");
        assert_eq!(cli.serve.max_replicas_cap, 40);
        let err = Cli::try_parse_from(["ebb", "--max-replicas-cap", "0"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--max-replicas-cap"), "{err}");
    }
}
