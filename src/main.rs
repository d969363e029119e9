//! The edge: parse the command line, set up logging, run the relay, turn the
//! outcome into an exit code and one line on stderr.

use std::process::ExitCode;

use clap::Parser;
use mcp_tether::cli::Cli;
use mcp_tether::config::Config;
use mcp_tether::relay::{self, stdio};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = mcp_tether::logging::init(cli.log_level, cli.log_file.as_deref()) {
        eprintln!("mcp-tether: cannot open the log file: {e}");
        return ExitCode::from(2);
    }
    let config = match Config::from_cli(&cli, &|name| std::env::var(name).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mcp-tether: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-tether: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
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
        Err(e) => {
            eprintln!("mcp-tether: {e}");
            ExitCode::FAILURE
        }
    }
}
