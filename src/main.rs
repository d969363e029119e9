//! The edge: parse the command line, set up logging, run the chosen command,
//! turn the outcome into an exit code and one line on stderr.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use mcp_tether::auth::keeper;
use mcp_tether::cli::{Cli, Command, ConnectArgs};
use mcp_tether::commands;
use mcp_tether::config::{Config, ConfigError, INSECURE_WARNING};
use mcp_tether::relay::{self, stdio};

fn main() -> ExitCode {
    find_session_bus();
    let helper = std::env::var_os(keeper::HELPER_ENV).is_some();
    if helper {
        // SAFETY: first thing in main, before any thread exists. The helper's
        // own children (a browser) need not inherit the marker.
        unsafe { std::env::remove_var(keeper::HELPER_ENV) };
    }
    if let Some(refusal) = test_guard() {
        return fail(2, refusal);
    }
    let cli = Cli::parse();
    if let Err(e) = mcp_tether::logging::init(cli.effective_log_level(), cli.log_file.as_deref()) {
        eprintln!("mcp-tether: cannot open the log file: {e}");
        return ExitCode::from(2);
    }
    let env = |name: &str| std::env::var(name).ok();
    match cli.command {
        None => {
            let url = cli.url.as_deref().expect("clap requires the URL");
            match resolve(url, &cli.bridge_connect_args(), &env) {
                Ok(config) if helper => sign_in_helper(config),
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
        Some(Command::Login(args)) => match resolve(&args.url, &args.connect, &env) {
            Ok(config) => finish(runtime().block_on(commands::login::run(config, args.paste))),
            Err(e) => fail(2, e),
        },
        Some(Command::Logout(args)) => finish(runtime().block_on(commands::logout::run(
            args.url.as_deref(),
            args.all,
            &args.net,
            &env,
        ))),
        Some(Command::Status(args)) => {
            finish(commands::status::run(args.url.as_deref(), args.json, &env))
        }
        Some(Command::Add(args)) => outcome(runtime().block_on(commands::add::add(&args, &env))),
        Some(Command::Remove(args)) => outcome(commands::add::remove(&args, &env)),
        Some(Command::List(args)) => outcome(commands::add::list(&args, &env)),
        Some(Command::Doctor(args)) => match resolve(&args.url, &args.connect, &env) {
            Ok(config) => match runtime().block_on(commands::doctor::run(config, args.json)) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => fail(1, format!("{e:#}")),
            },
            Err(e) => fail(2, e),
        },
    }
}

/// Test suites set `MCP_TETHER_REQUIRE_CONFIG_DIR` on every mcp-tether they
/// start: one started without a config dir of its own then refuses to run,
/// instead of reading and writing the developer's real one.
fn test_guard() -> Option<&'static str> {
    let required = std::env::var_os("MCP_TETHER_REQUIRE_CONFIG_DIR").is_some();
    let given = std::env::var_os("MCP_TETHER_CONFIG_DIR").is_some_and(|d| !d.is_empty());
    (required && !given).then_some(
        "MCP_TETHER_REQUIRE_CONFIG_DIR is set (a test suite) but MCP_TETHER_CONFIG_DIR is not: refusing to use the real config directory",
    )
}

/// The settings, with the `--insecure` warning printed each time it is set.
fn resolve(
    url: &str,
    connect: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let config = Config::from_args(url, connect, env)?;
    if config.tls.insecure {
        eprintln!("{INSECURE_WARNING}");
        tracing::warn!("--insecure: TLS certificates are not checked");
    }
    Ok(config)
}

/// Hosts strip `DBUS_SESSION_BUS_ADDRESS` and `XDG_RUNTIME_DIR` from the
/// servers they start, but the session bus (and with it the Secret Service
/// keyring) still lives at `/run/user/<uid>/bus`. Point at it when it exists.
fn find_session_bus() {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            return;
        }
        let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                let uid = std::fs::metadata("/proc/self").ok()?.uid();
                Some(std::path::PathBuf::from(format!("/run/user/{uid}")))
            });
        if let Some(bus) = runtime_dir.map(|d| d.join("bus")).filter(|b| b.exists()) {
            // SAFETY: called first thing in main, before any thread exists.
            unsafe {
                std::env::set_var(
                    "DBUS_SESSION_BUS_ADDRESS",
                    format!("unix:path={}", bus.display()),
                )
            };
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

/// `add`, `remove`, `list`: done (0), refused (1, with the reason), bad
/// input (2).
fn outcome(result: anyhow::Result<commands::add::Outcome>) -> ExitCode {
    use commands::add::Outcome;
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Refused(why)) => fail(1, why),
        Ok(Outcome::Usage(why)) => fail(2, why),
        Err(e) => fail(1, format!("{e:#}")),
    }
}

/// A bridge's sign-in, carried on in a process of its own (see
/// `auth::keeper`): the bridge started this with its own command line.
fn sign_in_helper(config: Config) -> ExitCode {
    let Some(auth) = config.auth.clone() else {
        return fail(2, "the sign-in helper has nothing to sign in to");
    };
    // Whatever happens inside, the helper ends by itself: nobody else will
    // end it once its bridge is gone.
    let limit = auth.auth_timeout + std::time::Duration::from_secs(30);
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        std::process::exit(1);
    });
    let code = runtime().block_on(keeper::serve(config.url.clone(), auth, config.timeout));
    ExitCode::from(code)
}

/// The bridge: stdio on two threads, the relay on a current-thread runtime.
fn bridge(config: Config) -> ExitCode {
    let runtime = runtime();
    let stdio = runtime.block_on(async { stdio::open() });
    let output = stdio.output.clone();
    let result = runtime.block_on(async {
        let result = relay::run(config, stdio.input, stdio.output).await;
        // Everything the relay sent reaches stdout before the exit.
        output.flush(std::time::Duration::from_secs(1)).await;
        result
    });
    drop(output);
    // Dropping the runtime drops every task still holding the output, so a
    // writer thread sees its channel close; then it has written everything
    // queued. (A stdin thread may still be blocked in read(); nobody waits.)
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    if let Some(writer) = stdio.writer_thread {
        let _ = writer.join();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, e),
    }
}
