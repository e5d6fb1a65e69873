//! The `ebb` binary: parses configuration once, then serves the dashboard and runs the
//! controller (or runs a subcommand). Errors reach the operator as one line and a non-zero exit.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() {
    use ebb::server::config::{Cli, Command};

    let cli = Cli::parse_or_exit();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => match ebb::server::run::init_logging(&cli.serve.log) {
            Ok(()) => ebb::server::run::serve(cli.serve).await,
            Err(e) => Err(e),
        },
        Command::Replay(args) => ebb::server::replay::cli::replay_command(&args),
        Command::BenchTraces(args) => ebb::server::replay::bench::bench_command(&args),
        Command::User(cmd) => ebb::server::run::user_command(&cli.serve, cmd).await,
        Command::Seed(args) => ebb::server::run::seed_command(&cli.serve, &args).await,
        Command::Backup { file } => ebb::server::run::backup_command(&cli.serve, &file).await,
        Command::Restore { file, force } => {
            ebb::server::run::restore_command(&cli.serve, &file, force).await
        }
    };
    if let Err(e) = result {
        eprintln!("ebb: {e:#}");
        std::process::exit(1);
    }
    // Not by returning: the runtime would wait for blocking tasks still running (a DNS lookup
    // for an unreachable backend), and shutdown must not outlive its few seconds.
    std::process::exit(0);
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser bundle is a library (see lib.rs::hydrate); this binary needs `--features ssr`.
}
