//! A sign-in that outlives the bridge that started it.
//!
//! Hosts give a stdio server about a minute and then close it the way the
//! official SDK does: stdin closed, 2 s, SIGTERM, 2 s, SIGKILL. A first
//! sign-in (a password, MFA, a phone) often takes longer, and a sign-in the
//! person finished after that would be lost. So a host-started bridge does
//! not run the sign-in itself: it starts a **sign-in helper**, the same
//! binary with the same command line and [`HELPER_ENV`] set, in a process
//! group of its own, on pipes of its own (never the host's stdin, stdout or
//! stderr). The helper runs the whole authorization (discovery,
//! registration, the browser and its callback, or the device code and its
//! polling), stores the token, and ends by itself within `--auth-timeout`.
//! While the bridge lives it relays what the helper reports (the URL, the
//! code) to the host and copies the helper's stderr to its own; when the
//! helper ends it adopts the stored token. When the host closes the bridge
//! meanwhile, the helper carries on unseen and the next start finds the
//! token. docs/sign-in-helper.md says why this design and not another.
//!
//! One sign-in per server at a time: a helper holds `<key>.sign-in.lock`
//! for as long as it runs. The helper of a bridge the host restarted waits
//! on that lock, then finds the token the first one stored: one browser
//! tab, one device code.

use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::UnboundedSender;
use url::Url;

use super::challenge::Challenge;
use super::{Auth, AuthConfig, AuthError, Notice, Person, lock, store};
use crate::locked::Locked;

/// Set in the helper's environment: run the sign-in, not the bridge.
pub const HELPER_ENV: &str = "MCP_TETHER_SIGN_IN_HELPER";

/// How long the bridge waits past `--auth-timeout` for the helper's report.
const REPORT_GRACE: Duration = Duration::from_secs(10);

/// What the bridge asks the helper for (one JSON line on its stdin).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Order {
    /// What the server answered the refused request with.
    pub challenge: Challenge,
    /// The scope to ask for when the server wants more (403 step-up).
    pub step_up_scope: Option<String>,
    /// A fingerprint of the token the server refused, if one was sent: a
    /// token stored under another fingerprint is a newer one.
    pub refused: Option<String>,
    /// The host declared URL elicitation.
    pub host_opens_urls: bool,
    /// Clients registered by this bridge's earlier helpers: known to the
    /// provider a moment ago, so not re-checked or registered again (see
    /// `Auth::is_fresh`). Without this, each helper, a new process, would
    /// take every stored client for one an earlier run left.
    #[serde(default)]
    pub fresh_clients: Vec<String>,
    /// The server refused this bridge's DPoP-bound token and asked for a
    /// Bearer one: the helper's tokens are not to be bound either.
    #[serde(default)]
    pub no_dpop: bool,
}

/// What the helper tells the bridge (JSON lines on its stdout).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "report")]
pub enum Report {
    /// A notice for the host (see [`Notice`]).
    Log {
        text: String,
    },
    OpenUrl {
        url: String,
        message: String,
    },
    /// What the person must do to finish the sign-in (open this URL, enter
    /// that code): for the error of a request the host gives up on.
    Pending {
        instruction: String,
    },
    /// A client the helper registered (and stored), for the next helper.
    Registered {
        client_id: String,
    },
    /// A token is stored: adopt it.
    SignedIn,
    /// The sign-in failed; the message says why.
    Failed {
        message: String,
    },
}

/// A fingerprint of a header that carries a token (never the token itself).
pub fn fingerprint(header: &HeaderValue) -> String {
    store::key(&String::from_utf8_lossy(header.as_bytes()))
}

/// The bridge's side: start the helper, relay its reports until it says how
/// the sign-in ended. `Ok` means a token is stored.
pub async fn sign_in_elsewhere(
    order: &Order,
    notifier: Option<&UnboundedSender<Notice>>,
    hint: &tokio::sync::watch::Sender<Option<String>>,
    fresh: &Mutex<HashSet<String>>,
    auth_timeout: Duration,
) -> Result<(), AuthError> {
    let mut child = spawn_helper()?;
    let line = serde_json::to_vec(order).map_err(|e| AuthError::Helper {
        what: "the order could not be written",
        cause: e.to_string(),
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        // The helper reads one line; its stdin then closes with this handle.
        let _ = stdin.write_all(&line).await;
        let _ = stdin.write_all(b"\n").await;
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(copy_to_stderr(stderr));
    }
    let stdout = child.stdout.take().ok_or_else(|| AuthError::Helper {
        what: "no pipe from it",
        cause: "stdout was not captured".into(),
    })?;
    // Reap the helper whenever it ends, whether this bridge is still here.
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    let reports = read_reports(stdout, notifier, hint, fresh);
    match tokio::time::timeout(auth_timeout + REPORT_GRACE, reports).await {
        Ok(result) => result,
        Err(_) => Err(AuthError::AuthTimeout(auth_timeout.as_secs())),
    }
}

fn spawn_helper() -> Result<tokio::process::Child, AuthError> {
    let exe = std::env::current_exe().map_err(|e| AuthError::HelperUnavailable {
        cause: format!("cannot find mcp-tether's own binary ({e})"),
    })?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1))
        .env(HELPER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // The point of the helper: it outlives this process.
        .kill_on_drop(false);
    // Out of the host's process group: a signal to the group that holds the
    // bridge (Ctrl-C in a terminal host, a group kill) does not reach it.
    #[cfg(unix)]
    cmd.process_group(0);
    #[cfg(windows)]
    {
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        cmd.creation_flags(CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW);
    }
    cmd.spawn().map_err(|e| AuthError::HelperUnavailable {
        cause: e.to_string(),
    })
}

async fn copy_to_stderr(stderr: tokio::process::ChildStderr) {
    let mut lines = BufReader::new(stderr).split(b'\n');
    while let Ok(Some(line)) = lines.next_segment().await {
        crate::say::say(String::from_utf8_lossy(&line));
    }
}

async fn read_reports(
    stdout: tokio::process::ChildStdout,
    notifier: Option<&UnboundedSender<Notice>>,
    hint: &tokio::sync::watch::Sender<Option<String>>,
    fresh: &Mutex<HashSet<String>>,
) -> Result<(), AuthError> {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let report = match serde_json::from_str::<Report>(&line) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("the sign-in helper wrote something else ({e})");
                continue;
            }
        };
        match report {
            Report::Log { text } => {
                if let Some(n) = notifier {
                    let _ = n.send(Notice::Log(text));
                }
            }
            Report::OpenUrl { url, message } => {
                if let Some(n) = notifier {
                    let _ = n.send(Notice::OpenUrl { url, message });
                }
            }
            Report::Pending { instruction } => {
                hint.send_replace(Some(instruction));
            }
            Report::Registered { client_id } => {
                fresh.locked().insert(client_id);
            }
            Report::SignedIn => return Ok(()),
            Report::Failed { message } => return Err(AuthError::Earlier(message)),
        }
    }
    Err(AuthError::HelperSilent)
}

/// The helper's side: read the order, sign in (or find that another helper
/// just did), store the token, report. Bounded by `--auth-timeout` as a
/// whole. Returns the process exit code.
pub async fn serve(server: Url, cfg: AuthConfig, timeout: Duration) -> u8 {
    let order = match read_order().await {
        Ok(o) => o,
        Err(why) => {
            report(&Report::Failed { message: why });
            return 2;
        }
    };
    let (notices, mut relayed) = tokio::sync::mpsc::unbounded_channel();
    // Behind the bridge's host, reached through the bridge; signing in here.
    let person = Person::ViaHost {
        notifier: Some(notices),
        host_opens_urls: Arc::new(AtomicBool::new(order.host_opens_urls)),
        detach: false,
    };
    let forward = tokio::spawn(async move {
        while let Some(notice) = relayed.recv().await {
            report(&match notice {
                Notice::Log(text) => Report::Log { text },
                Notice::OpenUrl { url, message } => Report::OpenUrl { url, message },
            });
        }
    });
    let outcome = sign_in(server, cfg, person, timeout, &order).await;
    // Every notice goes out before the final word (bounded: the final word
    // must come, whatever still holds the channel).
    let _ = tokio::time::timeout(Duration::from_secs(1), forward).await;
    let last = match outcome {
        Ok(()) => Report::SignedIn,
        Err(e) => Report::Failed {
            message: e.to_string(),
        },
    };
    let code = u8::from(!matches!(last, Report::SignedIn));
    report(&last);
    code
}

async fn sign_in(
    server: Url,
    cfg: AuthConfig,
    person: Person,
    timeout: Duration,
    order: &Order,
) -> Result<(), AuthError> {
    let lock_path = cfg
        .store
        .as_ref()
        .map(|s| s.lock_path(server.as_str()).with_extension("sign-in.lock"))
        .ok_or(AuthError::HelperNeedsStore)?;
    let pending = lock_path.with_extension("json");
    // The whole helper, waiting included, within --auth-timeout.
    let auth_timeout = cfg.auth_timeout;
    let deadline = tokio::time::Instant::now() + auth_timeout;
    let _one_at_a_time = wait_for_our_turn(&lock_path, &pending, auth_timeout).await?;
    // Left by a helper that was killed: it describes nothing under way.
    let _ = std::fs::remove_file(&pending);
    // Auth is built after the lock: it reads what the helper before us stored.
    let auth = Arc::new(Auth::new(server, cfg, person, timeout)?);
    if let Some(header) = auth.header_now()
        && order.refused.as_deref() != Some(fingerprint(&header).as_str())
    {
        tracing::info!("another sign-in just stored a token for this server; using it");
        return Ok(());
    }
    auth.adopt_fresh_clients(order.fresh_clients.iter().cloned());
    if order.no_dpop {
        auth.refuse_dpop();
    }
    let _watcher = AbortOnDrop(tokio::spawn(publish_pending(auth.clone(), pending.clone())));
    let signed_in = auth.sign_in_here(order.challenge.clone(), order.step_up_scope.clone());
    let result = match tokio::time::timeout_at(deadline, signed_in).await {
        Ok(result) => result,
        Err(_) => Err(AuthError::AuthTimeout(auth_timeout.as_secs())),
    };
    // Even after a failure: the next helper reuses what this one registered.
    let registered = auth.fresh_clients();
    for client_id in registered {
        if !order.fresh_clients.contains(&client_id) {
            report(&Report::Registered { client_id });
        }
    }
    let _ = std::fs::remove_file(&pending);
    result
}

/// Wait for the sign-in lock. Meanwhile, another helper's sign-in is under
/// way (a bridge the host closed started it): show the person how to
/// finish that one, instead of starting a second.
async fn wait_for_our_turn(
    lock_path: &Path,
    pending: &Path,
    within: Duration,
) -> Result<lock::RecordLock, AuthError> {
    let deadline = tokio::time::Instant::now() + within;
    let mut shown: Option<String> = None;
    let mut told = false;
    loop {
        match lock::try_acquire(lock_path) {
            Ok(Some(held)) => return Ok(held),
            Ok(None) if !told => {
                tracing::info!("another sign-in to this server is under way; waiting for it");
                told = true;
            }
            Ok(None) => {}
            Err(e) => return Err(AuthError::Lock(e)),
        }
        tokio::time::sleep(PENDING_POLL).await;
        if tokio::time::Instant::now() >= deadline {
            return Err(AuthError::OtherSignInUnderWay);
        }
        let instruction = std::fs::read(pending)
            .ok()
            .and_then(|b| serde_json::from_slice::<Pending>(&b).ok())
            .map(|p| p.instruction);
        if let Some(instruction) = instruction
            && shown.as_ref() != Some(&instruction)
        {
            let text = format!(
                "mcp-tether: a sign-in to this server is already under way (an earlier start began it). To finish it: {instruction}"
            );
            crate::say::say(&text);
            report(&Report::Log { text });
            report(&Report::Pending {
                instruction: instruction.clone(),
            });
            shown = Some(instruction);
        }
    }
}

/// Ends a task when dropped: the watcher holds the Auth (and with it the
/// notice channel), so it must end when the sign-in does, timed out or not.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How often a waiting helper tries the lock and looks at the sign-in under way.
const PENDING_POLL: Duration = Duration::from_millis(200);

/// The sign-in under way, for helpers that wait on it (`<key>.sign-in.json`,
/// private like the lock).
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    pid: u32,
    instruction: String,
}

/// Tell the bridge, and helpers that wait, what the person must do, each
/// time that changes.
async fn publish_pending(auth: Arc<Auth>, path: std::path::PathBuf) {
    let mut hints = auth.watch_sign_in_hint();
    loop {
        let now = hints.borrow_and_update().clone();
        if let Some(instruction) = now {
            report(&Report::Pending {
                instruction: instruction.clone(),
            });
            let pending = Pending {
                pid: std::process::id(),
                instruction,
            };
            if let Ok(bytes) = serde_json::to_vec(&pending)
                && let Err(e) = super::private_files::write_atomically(&path, &bytes)
            {
                tracing::debug!("could not note the sign-in under way: {e}");
            }
        }
        if hints.changed().await.is_err() {
            return;
        }
    }
}

async fn read_order() -> Result<Order, String> {
    let mut line = Vec::new();
    tokio::io::stdin()
        .take(1 << 20)
        .read_to_end(&mut line)
        .await
        .map_err(|e| format!("reading the sign-in order: {e}"))?;
    serde_json::from_slice(line.trim_ascii()).map_err(|e| format!("a bad sign-in order: {e}"))
}

/// One report on stdout; nobody may be reading any more (the bridge was
/// closed), which is fine.
fn report(r: &Report) {
    use std::io::Write;
    if let Ok(mut line) = serde_json::to_vec(r) {
        line.push(b'\n');
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&line).and_then(|()| out.flush());
    }
}
