//! The edge: parse the command line, set up logging, run the chosen command,
//! turn the outcome into an exit code and one line on stderr.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use mcp_tether::cli::{Cli, Command};
use mcp_tether::commands;
use mcp_tether::config::Config;
use mcp_tether::relay::{self, stdio};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = mcp_tether::logging::init(cli.log_level, cli.log_file.as_deref()) {
        eprintln!("mcp-tether: cannot open the log file: {e}");
        return ExitCode::from(2);
    }
    let env = |name: &str| std::env::var(name).ok();
    match cli.command {
        None => {
            let url = cli.url.as_deref().expect("clap requires the URL");
            match Config::from_args(url, &cli.connect, &env) {
                Ok(config) => bridge(config),
                Err(e) => fail(2, e),
            }
        }
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "mcp-tether",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Some(Command::Login(args)) => match Config::from_args(&args.url, &args.connect, &env) {
            Ok(config) => finish(runtime().block_on(commands::login::run(config, args.paste))),
            Err(e) => fail(2, e),
        },
        Some(Command::Logout(args)) => {
            finish(runtime().block_on(commands::logout::run(args.url.as_deref(), args.all, &env)))
        }
        Some(Command::Status(args)) => {
            finish(commands::status::run(args.url.as_deref(), args.json, &env))
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("starting the async runtime")
}

fn fail(code: u8, e: impl std::fmt::Display) -> ExitCode {
    eprintln!("mcp-tether: {e}");
    ExitCode::from(code)
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, format!("{e:#}")),
    }
}

/// The bridge: stdio on two threads, the relay on a current-thread runtime.
fn bridge(config: Config) -> ExitCode {
    let runtime = runtime();
    let input = stdio::spawn_reader(std::io::stdin());
    let (output, writer) = stdio::spawn_writer(std::io::stdout());
    let result = runtime.block_on(relay::run(config, input, output));
    // Dropping the runtime drops every task still holding the output, so the
    // writer sees its channel close; then it has written everything queued.
    // (The stdin thread may still be blocked in read(); nobody waits for it.)
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    let _ = writer.join();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, e),
    }
}
