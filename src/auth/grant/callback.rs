//! The loopback redirect listener (RFC 8252 §7.3): bound to 127.0.0.1 only,
//! answers only `GET` on the callback path (`/callback`, or `--callback-path`),
//! checks `state` and `iss`, and closes after one valid callback or the
//! timeout. A refused callback gets its error page at once; a valid one is
//! answered after the code exchange ([`Answer`]), so the page can say whether
//! the sign-in really worked (or send the browser to `--auth-success-url`).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use crate::auth::{AuthError, PasteError, ProviderError};

/// The default path of the redirect URI.
pub const CALLBACK_PATH: &str = "/callback";

/// The host name written into the redirect URI. The socket is loopback either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallbackHost {
    #[default]
    Ip,
    Localhost,
}

pub struct Listener {
    listener: TcpListener,
    path: String,
    pub redirect_uri: String,
}

/// What an authorization response must carry to be accepted.
#[derive(Clone, Copy)]
pub struct Expect<'a> {
    pub state: &'a str,
    /// The issuer, checked against `iss` when the response has one (RFC 9207).
    pub issuer: &'a str,
    /// The AS promised to send `iss`: a response without it is refused.
    pub iss_required: bool,
}

impl Listener {
    /// Bind on 127.0.0.1 at `port` (0: the OS picks); the redirect URI ends in
    /// `path`, which starts with `/` (checked in config).
    pub async fn bind(host: CallbackHost, port: u16, path: &str) -> std::io::Result<Listener> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let name = match host {
            CallbackHost::Ip => "127.0.0.1",
            CallbackHost::Localhost => "localhost",
        };
        Ok(Listener {
            listener,
            path: path.to_string(),
            redirect_uri: format!("http://{name}:{port}{path}"),
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Wait for the authorization response; returns the code, and the
    /// browser's connection to answer once the code is exchanged.
    pub async fn wait(
        self,
        expect: Expect<'_>,
        timeout: Duration,
    ) -> Result<(String, Answer), AuthError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let (stream, _) = tokio::time::timeout_at(deadline, self.listener.accept())
                .await
                .map_err(|_| AuthError::AuthTimeout(timeout.as_secs()))?
                .map_err(AuthError::CallbackListener)?;
            if let Some(outcome) = handle(stream, &self.path, &expect).await {
                return outcome;
            }
        }
    }
}

/// The browser, waiting on the callback for the outcome of the sign-in.
pub struct Answer {
    stream: TcpStream,
}

impl Answer {
    /// The code was exchanged: say so, or send the browser to `then`.
    pub async fn signed_in(mut self, then: Option<&Url>) {
        match then {
            Some(url) => {
                let response = format!(
                    "HTTP/1.1 303 See Other\r\nLocation: {url}\r\nContent-Length: 0\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
                );
                let _ = self.stream.write_all(response.as_bytes()).await;
                let _ = self.stream.shutdown().await;
            }
            None => {
                respond(
                    &mut self.stream,
                    200,
                    "Signed in",
                    "mcp-tether has what it needs. You can close this tab and go back to your MCP host.",
                    None,
                )
                .await
            }
        }
    }

    /// The exchange failed: the page says why (never a redirect).
    pub async fn failed(mut self, e: &AuthError) {
        fail_page(&mut self.stream, e).await;
    }
}

async fn fail_page(stream: &mut TcpStream, e: &AuthError) {
    respond(
        stream,
        400,
        "Sign-in failed",
        &sentence_case(&e.to_string()),
        Some("Close this tab, then retry from your MCP host (restart the server), or run mcp-tether with --log-level debug to see more."),
    )
    .await
}

/// Serve one connection. None: not an authorization response (keep waiting).
async fn handle(
    mut stream: TcpStream,
    path: &str,
    expect: &Expect<'_>,
) -> Option<Result<(String, Answer), AuthError>> {
    let head = match tokio::time::timeout(Duration::from_secs(5), read_head(&mut stream)).await {
        Ok(Some(h)) => h,
        _ => return None,
    };
    let mut parts = head.split_whitespace();
    let (method, target) = (parts.next()?, parts.next()?);
    let url = Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    if method != "GET" || url.path() != path {
        respond(
            &mut stream,
            404,
            "Not found",
            "mcp-tether is waiting for the authorization server to send you back here.",
            None,
        )
        .await;
        return None;
    }
    match check_redirect(&url, expect) {
        Ok(code) => Some(Ok((code, Answer { stream }))),
        Err(e) => {
            fail_page(&mut stream, &e).await;
            Some(Err(e))
        }
    }
}

/// `login --paste`: read the address the browser ended on (or the bare code)
/// from stdin, and check it like a callback.
pub async fn read_pasted(expect: &Expect<'_>) -> Result<String, AuthError> {
    eprint!(
        "\nAfter you approve, your browser goes to a 127.0.0.1 or localhost address that may not load.\nPaste that whole address here (or just the code) and press Enter:\n> "
    );
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| AuthError::Paste(PasteError::Read(std::io::Error::other(e))))?
    .map_err(|e| AuthError::Paste(PasteError::Read(e)))?;
    let pasted = line.trim();
    if pasted.is_empty() {
        return Err(AuthError::Paste(PasteError::Nothing));
    }
    match Url::parse(pasted) {
        Ok(url) => check_redirect(&url, expect),
        // Just the code: PKCE still binds it to this sign-in.
        Err(_) => Ok(pasted.to_string()),
    }
}

/// Check the redirect URL an authorization server sent the browser to.
fn check_redirect(url: &Url, expect: &Expect<'_>) -> Result<String, AuthError> {
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let error = param("error").map(|error| ProviderError {
        error: error.into(),
        error_description: param("error_description"),
        error_uri: param("error_uri"),
    });
    check_response(param("state"), param("iss"), param("code"), error, expect)
}

/// The checks on an authorization response, in the order that matters:
/// `state` first (CSRF), then `iss` (mix-up), then the result.
pub fn check_response(
    state: Option<String>,
    iss: Option<String>,
    code: Option<String>,
    error: Option<ProviderError>,
    expect: &Expect<'_>,
) -> Result<String, AuthError> {
    if state.as_deref() != Some(expect.state) {
        return Err(AuthError::StateMismatch);
    }
    match iss {
        // RFC 9207 §2.4: simple string comparison, no normalisation.
        Some(iss) if iss != expect.issuer => {
            return Err(AuthError::IssuerParamMismatch {
                expected: expect.issuer.to_string(),
                found: iss,
            });
        }
        None if expect.iss_required => {
            return Err(AuthError::IssuerParamMismatch {
                expected: expect.issuer.to_string(),
                found: "(none)".into(),
            });
        }
        _ => {}
    }
    if let Some(error) = error {
        return Err(AuthError::Denied(error));
    }
    code.filter(|c| !c.is_empty()).ok_or(AuthError::NoCode)
}

/// Read up to the end of the request head (8 KiB at most).
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 8192 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    Some(text.lines().next()?.to_string())
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    title: &str,
    message: &str,
    next: Option<&str>,
) {
    let ok = status == 200;
    let next = next
        .map(|n| format!("<p class=\"next\">{}</p>", escape(n)))
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mcp-tether: {title}</title>\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<style>body{{font:16px/1.5 system-ui,sans-serif;background:#f6f7f9;color:#1d2330;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}}\
main{{background:#fff;border-radius:12px;box-shadow:0 2px 12px #0001;padding:2rem 2.5rem;max-width:32rem}}\
h1{{font-size:1.3rem;margin:0 0 .5rem;color:{color}}}.next{{color:#555}}</style></head>\
<body><main><h1>{mark} {title}</h1><p>{message}</p>{next}</main></body></html>",
        title = escape(title),
        message = escape(message),
        color = if ok { "#137333" } else { "#b3261e" },
        mark = if ok { "&#10003;" } else { "&#10007;" },
    );
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Error texts start lower-case (they follow "mcp-tether: … failed:" on
/// stderr); on a page of their own they read better capitalised.
fn sentence_case(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect() -> Expect<'static> {
        Expect {
            state: "s1",
            issuer: "https://as.example",
            iss_required: false,
        }
    }

    async fn get(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        stream
            .write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer).await;
        answer
    }

    #[tokio::test]
    async fn one_callback_is_taken_then_nobody_listens() {
        let listener = Listener::bind(CallbackHost::Ip, 0, "/oauth/callback")
            .await
            .unwrap();
        let port = listener.port();
        assert_eq!(
            listener.redirect_uri,
            format!("http://127.0.0.1:{port}/oauth/callback")
        );
        let waiting = tokio::spawn(listener.wait(expect(), Duration::from_secs(5)));
        // Anything else is answered 404 and the wait goes on.
        assert!(get(port, "/favicon.ico").await.starts_with("HTTP/1.1 404"));
        assert!(
            get(port, "/callback?state=s1&code=x")
                .await
                .starts_with("HTTP/1.1 404")
        );
        // The browser is answered once the code has been exchanged.
        let browser = tokio::spawn(get(port, "/oauth/callback?state=s1&code=abc"));
        let (code, answer) = waiting.await.unwrap().unwrap();
        assert_eq!(code, "abc");
        assert!(!browser.is_finished(), "no page before the exchange");
        let then = Url::parse("https://app.example/connected").unwrap();
        answer.signed_in(Some(&then)).await;
        let page = browser.await.unwrap();
        assert!(page.starts_with("HTTP/1.1 303"), "{page}");
        assert!(
            page.contains("\r\nLocation: https://app.example/connected\r\n"),
            "{page}"
        );
        // A second callback (a replay, another tab) finds the port closed.
        // (Within a moment: a process another test spawns at that instant
        // holds a copy of every socket until it execs, CLOEXEC or not.)
        let mut closed = false;
        for _ in 0..20 {
            if TcpStream::connect(("127.0.0.1", port)).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(closed, "the callback port still listens after the sign-in");
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn state_is_checked_first() {
        let e = check_response(s("bad"), None, s("c"), None, &expect());
        assert!(matches!(e, Err(AuthError::StateMismatch)));
        let e = check_response(None, None, s("c"), None, &expect());
        assert!(matches!(e, Err(AuthError::StateMismatch)));
    }

    #[test]
    fn iss_must_match_when_present_or_promised() {
        for wrong in [
            "https://evil.example",
            "https://as.example/",
            "HTTPS://as.example",
        ] {
            let e = check_response(s("s1"), s(wrong), s("c"), None, &expect());
            assert!(
                matches!(e, Err(AuthError::IssuerParamMismatch { .. })),
                "{wrong} must not pass for https://as.example"
            );
        }
        assert_eq!(
            check_response(s("s1"), s("https://as.example"), s("c"), None, &expect()).unwrap(),
            "c"
        );
        let strict = Expect {
            iss_required: true,
            ..expect()
        };
        let e = check_response(s("s1"), None, s("c"), None, &strict);
        assert!(matches!(e, Err(AuthError::IssuerParamMismatch { .. })));
    }

    #[test]
    fn errors_from_the_server_are_reported() {
        let denied = ProviderError {
            error: "access_denied".to_string().into(),
            error_description: s("no"),
            error_uri: None,
        };
        let e = check_response(s("s1"), None, None, Some(denied), &expect());
        assert!(matches!(e, Err(AuthError::Denied(_))));
    }
}
