//! Sending the person to the authorization page: always print the URL on
//! stderr, and open a browser unless told not to. `$BROWSER` wins over the
//! system opener (the `open` crate doesn't read it).

use std::process::{Command, Stdio};

/// Show `url` to the person and try to open it. Never writes to stdout: the
/// opened program's output is discarded.
pub fn send_person_to(url: &str, open_browser: bool) {
    eprintln!("mcp-tether: authorization needed. Open this URL to sign in:\n\n    {url}\n");
    if !open_browser {
        return;
    }
    match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => {
            // $BROWSER is a ':'-separated list of commands; `%s` marks the URL.
            for candidate in list.split(':').filter(|c| !c.trim().is_empty()) {
                if run_browser_command(candidate, url) {
                    return;
                }
            }
            tracing::warn!("no command in $BROWSER could be started; open the URL above yourself");
        }
        _ => {
            if let Err(e) = open::that_detached(url) {
                tracing::warn!("could not open a browser ({e}); open the URL above yourself");
            }
        }
    }
}

fn run_browser_command(template: &str, url: &str) -> bool {
    let mut words: Vec<String> = template.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return false;
    }
    if words.iter().any(|w| w.contains("%s")) {
        for w in &mut words {
            *w = w.replace("%s", url);
        }
    } else {
        words.push(url.to_string());
    }
    let spawned = Command::new(&words[0])
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reap it in the background so it never lingers as a zombie.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(e) => {
            tracing::debug!("$BROWSER command '{}' failed: {e}", words[0]);
            false
        }
    }
}
