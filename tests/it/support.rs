//! Test plumbing: start a lab server (real Node processes from tests/lab), spawn
//! the mcp-tether binary the way a host does, and talk to it over its stdio.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_mcp-tether");
const LAB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab");
pub const WAIT: Duration = Duration::from_secs(15);

/// A lab server: a real Node process on 127.0.0.1, stopped when dropped.
pub struct Server {
    child: Child,
    /// The MCP endpoint it printed.
    pub url: String,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// Everything the server announced (issuer, initial access token…).
    pub info: Value,
    port: u16,
}

impl Server {
    /// `script` is a file in tests/lab, e.g. "sdk-server.mjs".
    pub fn start(script: &str, args: &[&str]) -> Server {
        let mut cmd = Command::new("node");
        cmd.arg(format!("{LAB}/{script}")).args(args);
        Self::spawn(cmd, script)
    }

    /// `script` in another Node lab folder, e.g. ("lab-cf", "start.mjs").
    pub fn start_node_in(lab: &str, script: &str, args: &[&str]) -> Server {
        let mut cmd = Command::new("node");
        cmd.arg(format!(
            "{}/tests/{lab}/{script}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(args);
        Self::spawn(cmd, script)
    }

    /// `script` is a file in tests/lab-py, run with its venv's Python (the
    /// 2026-07-28 server on the Python SDK; `bash tests/lab-py/setup.sh`).
    pub fn start_python(script: &str, args: &[&str]) -> Server {
        let lab_py = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab-py");
        let mut cmd = Command::new(format!("{lab_py}/.venv/bin/python"));
        cmd.arg(format!("{lab_py}/{script}")).args(args);
        Self::spawn(cmd, script)
    }

    /// `script` in `tests/<lab>`, run with that lab's own venv Python
    /// (e.g. lab "lab-fastmcp", set up by its setup.sh).
    pub fn start_venv(lab: &str, script: &str, args: &[&str]) -> Server {
        let dir = format!("{}/tests/{lab}", env!("CARGO_MANIFEST_DIR"));
        let mut cmd = Command::new(format!("{dir}/.venv/bin/python"));
        cmd.arg(format!("{dir}/{script}")).args(args);
        Self::spawn(cmd, script)
    }

    /// Stop it now (to start another on the same port): SIGTERM first, so
    /// that a server that started processes of its own (wrangler, workerd)
    /// ends them too; SIGKILL if it is still there after 3 s.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The port it listens on (to start it again on the same one).
    pub fn port(&self) -> u16 {
        self.port
    }

    fn spawn(mut cmd: Command, script: &str) -> Server {
        let mut child = cmd
            .stdin(Stdio::piped()) // the server exits when this closes
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("starting {script} ({e}): is Node 20+ installed and `npm ci` run in tests/lab, or `bash tests/lab-py/setup.sh` run?")
            });
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .expect("reading the server's first line");
        let info: Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("{script} printed {first:?} instead of its address: {e}"));
        let port = info["port"].as_u64().expect("port") as u16;
        let url = info["url"]
            .as_str()
            .or(info["issuer"].as_str())
            .expect("url or issuer")
            .to_string();
        Server {
            child,
            url,
            base: format!("http://127.0.0.1:{port}"),
            info,
            port,
        }
    }

    /// The node process's id (to SIGSTOP/SIGCONT it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The same server, another path (the fault server's modes live at /<mode>/mcp).
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Every request the server received (not counting /_lab), in order.
    pub fn log(&self) -> Vec<Value> {
        let body = self.http("GET", "/_lab/log");
        serde_json::from_str(&body).expect("the lab log is JSON")
    }

    /// Requests in the log with this JSON-RPC method in their body.
    pub fn requests_with_method(&self, method: &str) -> Vec<Value> {
        self.log()
            .into_iter()
            .filter(|e| e["body"]["method"] == method)
            .collect()
    }

    /// GET a JSON document from the server, e.g. /_lab/counters.
    pub fn get_json(&self, path: &str) -> Value {
        let body = self.http("GET", path);
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// Call a lab-control endpoint, e.g. POST /_lab/expire-sessions.
    pub fn control(&self, path: &str) -> String {
        self.http("POST", path)
    }

    /// A minimal HTTP/1.0 client: enough for the lab's control endpoints.
    fn http(&self, method: &str, path: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connecting to the lab");
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        raw.split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The binary under test, as every test must start it: with
/// `MCP_TETHER_REQUIRE_CONFIG_DIR`, so that one started without a config dir
/// of its own (`MCP_TETHER_CONFIG_DIR`) refuses to run instead of touching
/// the developer's real one. Tests start it through here only (a test below
/// checks that).
pub fn bin() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env(REQUIRE_CONFIG_DIR, "1");
    cmd
}

const REQUIRE_CONFIG_DIR: &str = "MCP_TETHER_REQUIRE_CONFIG_DIR";

/// The mcp-tether binary under test, driven like a host drives a stdio server.
pub struct Bridge {
    /// The private config dir used when the test gave none.
    _config_dir: tempfile::TempDir,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    /// The stderr reader reached EOF: `stderr()` holds everything.
    stderr_done: Arc<std::sync::atomic::AtomicBool>,
    next_id: i64,
}

impl Bridge {
    pub fn spawn(args: &[&str]) -> Bridge {
        Self::spawn_with_env(args, &[])
    }

    pub fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> Bridge {
        // Never the developer's real config dir: a private one unless the
        // test names its own.
        let own_dir = tempfile::tempdir().unwrap();
        let mut cmd = bin();
        cmd.args(args)
            .env("MCP_TETHER_CONFIG_DIR", own_dir.path())
            .envs(env.iter().copied());
        Self::spawn_command(cmd, own_dir)
    }

    /// Spawn `cmd` (the binary itself, or something that starts it, such
    /// as a shell) with piped stdio. `config_dir` lives as long as the bridge.
    pub fn spawn_command(mut cmd: Command, config_dir: tempfile::TempDir) -> Bridge {
        let own_dir = config_dir;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning mcp-tether");
        let (tx, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let stderr_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = stderr_done.clone();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            done.store(true, std::sync::atomic::Ordering::Release);
        });
        Bridge {
            _config_dir: own_dir,
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            stderr_done,
            next_id: 1,
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: &Value) {
        let mut line = serde_json::to_vec(message).unwrap();
        line.push(b'\n');
        self.send_raw(&line);
    }

    /// The next line the bridge wrote to stdout, parsed. Every line must be JSON.
    pub fn recv(&self) -> Value {
        self.try_recv(WAIT).unwrap_or_else(|| {
            panic!(
                "no message from the bridge within {WAIT:?}; its stderr:\n{}",
                self.stderr()
            )
        })
    }

    pub fn try_recv(&self, within: Duration) -> Option<Value> {
        match self.lines.recv_timeout(within) {
            Ok(line) => Some(serde_json::from_str(&line).unwrap_or_else(|e| {
                panic!("the bridge wrote a line that is not JSON ({e}): {line:?}")
            })),
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Read messages until the response with `id`; returns (the others, the response).
    pub fn recv_response(&self, id: &Value) -> (Vec<Value>, Value) {
        let mut others = Vec::new();
        loop {
            let m = self.recv();
            if &m["id"] == id && m.get("method").is_none() {
                return (others, m);
            }
            others.push(m);
        }
    }

    pub fn fresh_id(&mut self) -> Value {
        self.next_id += 1;
        json!(self.next_id)
    }

    /// Send a request and wait for its response (other messages are returned too).
    pub fn request(&mut self, method: &str, params: Value) -> (Vec<Value>, Value) {
        let id = self.fresh_id();
        self.send(&json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}));
        self.recv_response(&id)
    }

    pub fn call_tool(&mut self, name: &str, args: Value) -> (Vec<Value>, Value) {
        self.request("tools/call", json!({"name": name, "arguments": args}))
    }

    /// initialize + notifications/initialized, as a 2025-11-25 host does.
    pub fn initialize(&mut self) -> Value {
        let (_, response) = self.request(
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {"sampling": {}, "elicitation": {"form": {}}, "roots": {"listChanged": true}},
                "clientInfo": {"name": "mcp-tether-tests", "version": "1.0.0"}
            }),
        );
        assert!(
            response.get("result").is_some(),
            "initialize failed: {response}\nstderr:\n{}",
            self.stderr()
        );
        self.send(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
        response
    }

    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Whether the process exited within `within` (it is left running if not).
    pub fn exits_within(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Close the bridge the way the official SDK's stdio transport does
    /// (and hosts built on it): stdin closed, 2 s, SIGTERM, 2 s, SIGKILL.
    pub fn close_like_the_sdk(&mut self) {
        self.close_stdin();
        if self.exits_within(Duration::from_secs(2)) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        if self.exits_within(Duration::from_secs(2)) {
            return;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Wait for the process to exit; panics after `within`.
    pub fn wait(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader take in the last lines the bridge wrote
                // (bounded: a browser script it started may hold the pipe).
                let drained = Instant::now() + Duration::from_secs(1);
                while !self.stderr_done.load(std::sync::atomic::Ordering::Acquire)
                    && Instant::now() < drained
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "mcp-tether did not exit within {within:?}; stderr:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Wait until stderr contains `needle`; returns all of stderr so far.
    pub fn wait_for_stderr(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let text = self.stderr();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "stderr never showed {needle:?} within {within:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Text of the first content item of a tools/call result.
pub fn tool_text(response: &Value) -> &str {
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("not a text tool result: {response}"))
}

/// Run the bridge once, to completion, with the given stdin; returns (exit status, stdout lines, stderr).
pub fn run_once(
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &[u8],
) -> (ExitStatus, Vec<String>, String) {
    let own_dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(args)
        .env("MCP_TETHER_CONFIG_DIR", own_dir.path())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (
        out.status,
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The environment Codex (and the SDK's default) gives a stdio server: a
/// short allow-list, plus what the server entry configures (here the
/// config dir). No DISPLAY, BROWSER, SSH_* or D-Bus address; see
/// shared/notes/host-environments.md.
pub fn codex_env(home: &std::path::Path, config_dir: &std::path::Path) -> Vec<(String, String)> {
    [
        ("HOME", home.to_str().unwrap()),
        ("PATH", &std::env::var("PATH").unwrap()),
        ("SHELL", "/bin/bash"),
        ("TERM", "xterm-256color"),
        ("LANG", "C.UTF-8"),
        ("USER", "alice"),
        ("LOGNAME", "alice"),
        ("MCP_TETHER_CONFIG_DIR", config_dir.to_str().unwrap()),
        (REQUIRE_CONFIG_DIR, "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Every test starts mcp-tether through [`bin`] (or the spawners built on
/// it), so none can fall back to the developer's config dir unnoticed.
#[test]
fn every_test_starts_the_binary_through_support() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "support.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for direct in [
            "Command::new(BIN",
            "Command::new(crate::support::BIN",
            "CARGO_BIN_EXE",
        ] {
            assert!(
                !text.contains(direct),
                "{} starts the binary directly ({direct}…): use support::bin()",
                path.display()
            );
        }
    }
}

/// The guard itself: without a config dir of its own, the binary started
/// the way tests start it refuses to run.
#[test]
fn the_binary_refuses_the_real_config_dir_under_test() {
    let out = bin()
        .env_remove("MCP_TETHER_CONFIG_DIR")
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("MCP_TETHER_CONFIG_DIR"), "{stderr}");
}
