//! `mcp-tether doctor` against the OAuth lab (oidc-provider + the protected SDK
//! server, tests/lab), in each configuration a real provider can be in. Every
//! case checks both the human report and the `--json` one (schema version 1,
//! docs/doctor.md).

use serde_json::Value;

use crate::oauth::Lab;
use crate::support::run_once;

struct Doctor {
    code: i32,
    human: String,
    json: Value,
}

impl Doctor {
    fn check(&self, id: &str) -> &Value {
        self.json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} check in {:#}", self.json))
    }

    fn status(&self, id: &str) -> &str {
        self.check(id)["status"].as_str().unwrap()
    }

    fn fix(&self, id: &str) -> &str {
        self.check(id)["fix"].as_str().unwrap_or("")
    }

    /// The human line of a check, e.g. "✗ client: …".
    fn line(&self, label: &str) -> &str {
        self.human
            .lines()
            .find(|l| {
                l.get(2..).is_some_and(|rest| rest.starts_with(label))
                    || l.contains(&format!(" {label}:"))
            })
            .unwrap_or_else(|| panic!("no {label} line in:\n{}", self.human))
    }
}

/// Run `mcp-tether doctor [flags] <lab server>` twice: human, then --json.
fn doctor(lab: &Lab, flags: &[&str], env: &[(&str, &str)]) -> Doctor {
    let dir = lab.config_dir.path().to_str().unwrap().to_string();
    let mut all_env = vec![("MCP_TETHER_CONFIG_DIR", dir.as_str()), ("DISPLAY", ":0")];
    all_env.extend_from_slice(env);
    let run = |json: bool| {
        let mut args = vec!["doctor", "--token-store", "file"];
        if json {
            args.push("--json");
        }
        args.extend_from_slice(flags);
        args.push(&lab.resource_server.url);
        run_once(&args, &all_env, b"")
    };
    let (status, lines, stderr) = run(false);
    let human = lines.join("\n");
    let (json_status, json_lines, json_stderr) = run(true);
    let json: Value = serde_json::from_str(&json_lines.join("\n")).unwrap_or_else(|e| {
        panic!("--json is not JSON ({e}): {json_lines:?}\nstderr: {json_stderr}")
    });
    assert_eq!(json["version"], 1, "{json:#}");
    assert_eq!(
        status.code(),
        json_status.code(),
        "same verdict either way\n{human}\n{stderr}"
    );
    let code = status.code().expect("exited");
    assert_eq!(json["ok"], code == 0, "ok matches the exit code: {json:#}");
    assert!(code == 0 || code == 1, "{human}\n{stderr}");
    assert!(
        !human.trim().is_empty(),
        "the human report goes to stdout; stderr: {stderr}"
    );
    Doctor { code, human, json }
}

#[test]
fn all_good_with_open_registration() {
    let lab = Lab::start(&[], &[]);
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.code, 0, "{}", d.human);
    for line in d
        .human
        .lines()
        .filter(|l| l.contains(": ") && !l.starts_with(' '))
    {
        if line.starts_with("mcp-tether doctor") || line.starts_with("Nothing blocks") {
            continue;
        }
        assert!(
            line.starts_with("✓ "),
            "every check passes: {line}\n{}",
            d.human
        );
    }
    assert!(d.human.contains("Nothing blocks"), "{}", d.human);
    assert!(d.line("probe").contains("HTTP 401"), "{}", d.human);
    assert!(
        d.line("probe").contains("resource_metadata="),
        "{}",
        d.human
    );
    let j = &d.json;
    assert_eq!(j["probe"]["status"], 401);
    assert!(
        j["resource_metadata"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/.well-known/oauth-protected-resource/mcp")
    );
    assert_eq!(
        j["authorization_server"]["issuer"],
        lab.auth_server.url.as_str()
    );
    assert!(
        j["authorization_server"]["metadata_url"]
            .as_str()
            .unwrap()
            .contains("/.well-known/")
    );
    assert_eq!(j["client"]["kind"], "dynamic-registration");
    assert_eq!(j["scope"]["value"], "mcp:read offline_access");
    assert_eq!(j["scope"]["source"], "resource-metadata");
    assert_eq!(j["flow"]["grant"], "browser");
    assert_eq!(j["stored_token"]["present"], false);
    assert_eq!(j["resource"], lab.resource_server.url.as_str());
    assert!(
        j["authorization_server"]["code_challenge_methods_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "S256")
    );
    // Doctor registers nothing and signs in to nothing.
    let c = lab.counters();
    assert_eq!(c["registration"].as_u64().unwrap_or(0), 0, "{c}");
    assert_eq!(c["authorization"].as_u64().unwrap_or(0), 0, "{c}");
}

#[test]
fn no_registration_and_no_client_id() {
    let lab = Lab::start(&["--dcr", "off"], &[]);
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.code, 1, "{}", d.human);
    let line = d.line("client");
    assert!(line.starts_with("✗"), "{line}");
    assert!(
        line.contains("does not support dynamic client registration"),
        "{line}"
    );
    assert!(d.human.contains("fix: ") && d.fix("client").contains("--client-id"));
    assert!(d.human.contains("--client-id"), "{}", d.human);
    assert_eq!(d.json["client"]["kind"], "none");
    assert_eq!(d.status("client"), "fail");
    assert_eq!(
        d.json["authorization_server"]["registration_endpoint"],
        Value::Null
    );

    // With a pre-registered client it works; the random port is worth a warning.
    let d = doctor(&lab, &["--client-id", "tether-public"], &[]);
    assert_eq!(d.code, 0, "{}", d.human);
    assert_eq!(d.json["client"]["kind"], "pre-registered");
    assert_eq!(d.status("redirect_uri"), "warn");
    assert!(d.fix("redirect_uri").contains("--callback-port"));
    assert!(d.line("redirect URI").starts_with('!'), "{}", d.human);

    let d = doctor(
        &lab,
        &["--client-id", "tether-strict", "--callback-port", "47931"],
        &[],
    );
    assert_eq!(d.code, 0, "{}", d.human);
    assert_eq!(d.status("redirect_uri"), "ok");
    assert!(
        d.line("redirect URI")
            .contains("http://127.0.0.1:47931/callback")
    );
}

#[test]
fn registration_behind_an_initial_access_token() {
    let lab = Lab::start(&["--dcr", "iat"], &[]);
    let d = doctor(&lab, &[], &[]);
    // oidc-provider doesn't say so in its metadata, and a GET on the endpoint
    // is a plain 404: without registering, doctor can't tell. It says what to
    // do if sign-in then fails.
    assert_eq!(d.code, 0, "{}", d.human);
    assert_eq!(d.json["client"]["kind"], "dynamic-registration");
    assert_eq!(d.json["client"]["registration_needs_token"], Value::Null);
    assert!(
        d.fix("client").contains("--registration-token"),
        "{}",
        d.human
    );
    assert!(d.human.contains("--registration-token"), "{}", d.human);
    assert_eq!(lab.counters()["registration"].as_u64().unwrap_or(0), 0);

    let iat = lab.auth_server.info["initialAccessToken"].as_str().unwrap();
    let d = doctor(&lab, &["--registration-token", iat], &[]);
    assert_eq!(d.code, 0, "{}", d.human);
    assert!(
        d.line("client").contains("with --registration-token"),
        "{}",
        d.human
    );
    assert!(!d.human.contains(iat), "the token is never printed");
}

#[test]
fn pkce_not_advertised() {
    let lab = Lab::start(&["--hide-pkce-methods"], &[]);
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.code, 1, "{}", d.human);
    assert_eq!(d.status("pkce"), "fail");
    assert!(d.fix("pkce").contains("--assume-pkce"));
    assert!(d.line("PKCE").starts_with('✗'), "{}", d.human);
    assert!(d.human.contains("--assume-pkce"));

    let d = doctor(&lab, &["--assume-pkce"], &[]);
    assert_eq!(d.code, 0, "{}", d.human);
    assert_eq!(d.status("pkce"), "ok");
    assert!(d.line("PKCE").contains("--assume-pkce"));
}

#[test]
fn metadata_only_at_a_custom_path() {
    let lab = Lab::start(
        &[],
        &["--prm", "custom", "--no-resource-metadata-in-challenge"],
    );
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.code, 1, "{}", d.human);
    assert_eq!(d.status("resource_metadata"), "fail");
    assert!(d.fix("resource_metadata").contains("--resource-metadata"));
    let base = &lab.resource_server.base;
    // Every URL tried, with what it returned, in both reports.
    let tried: Vec<String> = d.check("resource_metadata")["tried"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["url"].as_str().unwrap(),
                t["result"].as_str().unwrap()
            )
        })
        .collect();
    for url in [
        format!("{base}/.well-known/oauth-protected-resource/mcp"),
        format!("{base}/.well-known/oauth-protected-resource"),
        format!("{base}/.well-known/oauth-authorization-server"),
        format!("{base}/.well-known/openid-configuration"),
    ] {
        assert!(
            tried.iter().any(|t| t == &format!("{url} HTTP 404")),
            "{url} in {tried:?}"
        );
        assert!(
            d.human.contains(&format!("tried {url} ")),
            "{url} in\n{}",
            d.human
        );
    }
    assert_eq!(d.json["resource_metadata"]["url"], Value::Null);

    let custom = lab.resource_server.at("/custom/prm.json");
    let d = doctor(&lab, &["--resource-metadata", &custom], &[]);
    assert_eq!(d.code, 0, "{}", d.human);
    assert_eq!(d.status("resource_metadata"), "warn");
    assert_eq!(d.json["resource_metadata"]["source"], "flag");
    assert!(
        d.line("resource metadata")
            .contains("only through --resource-metadata"),
        "{}",
        d.human
    );
}

#[test]
fn metadata_at_a_custom_path_named_by_the_challenge() {
    let lab = Lab::start(&[], &["--prm", "custom"]);
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.code, 0, "{}", d.human);
    assert_eq!(d.status("resource_metadata"), "warn");
    assert_eq!(d.json["resource_metadata"]["source"], "challenge");
    assert!(d.line("resource metadata").contains("only through the 401"));
}

#[test]
fn oidc_discovery_and_an_issuer_with_a_path() {
    // (oidc-provider itself also answers at the root RFC 8414 location when
    // the issuer has no path, so only the tenant case shows the fallback.)
    let lab = Lab::start(&["--discovery", "oidc"], &[]);
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.code, 0, "{}", d.human);
    assert_eq!(
        d.json["authorization_server"]["issuer"],
        lab.auth_server.url.as_str()
    );
    for (as_flags, expect_suffix) in [
        (
            vec!["--issuer-path", "/tenant1", "--discovery", "oidc"],
            "/tenant1/.well-known/openid-configuration",
        ),
        (
            vec!["--issuer-path", "/tenant1", "--discovery", "oidc-inserted"],
            "/.well-known/openid-configuration/tenant1",
        ),
    ] {
        let lab = Lab::start(&as_flags, &[]);
        let d = doctor(&lab, &[], &[]);
        assert_eq!(d.code, 0, "{as_flags:?}\n{}", d.human);
        let asr = &d.json["authorization_server"];
        assert_eq!(asr["issuer"], lab.auth_server.url.as_str());
        assert!(
            asr["metadata_url"]
                .as_str()
                .unwrap()
                .ends_with(expect_suffix),
            "{asr:#}"
        );
        // The RFC 8414 location was tried first and answered 404.
        let tried = asr["tried"].as_array().unwrap();
        assert!(tried.len() >= 2, "{asr:#}");
        assert!(
            tried[0]["url"]
                .as_str()
                .unwrap()
                .contains("/.well-known/oauth-authorization-server")
        );
        assert_eq!(tried[0]["result"], "HTTP 404");
        assert!(
            d.line("authorization server").contains(expect_suffix),
            "{}",
            d.human
        );
    }
}

#[test]
fn over_ssh_with_a_device_flow() {
    let lab = Lab::start(&["--device"], &[]);
    let ssh = [("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")];
    let d = doctor(&lab, &[], &ssh);
    assert_eq!(d.code, 0, "{}", d.human);
    assert_eq!(d.json["flow"]["grant"], "device");
    assert!(
        d.json["flow"]["no_browser"]
            .as_str()
            .unwrap()
            .contains("SSH")
    );
    assert!(d.line("flow").contains("device flow"), "{}", d.human);
    assert!(d.fix("flow").contains("mcp-tether login"));
    assert!(d.line("capabilities").contains("device flow yes"));

    // On a desktop the same server gets the browser.
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.json["flow"]["grant"], "browser");
}

#[test]
fn over_ssh_without_a_device_flow() {
    let lab = Lab::start(&[], &[]);
    let ssh = [("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")];
    let d = doctor(&lab, &[], &ssh);
    assert_eq!(d.code, 0, "a warning, not a blocker: {}", d.human);
    assert_eq!(d.json["flow"]["grant"], "browser");
    assert_eq!(d.status("flow"), "warn");
    assert!(d.fix("flow").contains("login") && d.fix("flow").contains("--paste"));
    assert!(d.line("flow").starts_with('!'), "{}", d.human);
    assert!(d.human.contains("--paste"), "{}", d.human);

    // Asking for the device flow a server doesn't have blocks.
    let d = doctor(&lab, &["--flow", "device"], &ssh);
    assert_eq!(d.code, 1, "{}", d.human);
    assert!(d.fix("flow").contains("--paste"));
}

#[test]
fn no_scope_anywhere() {
    let lab = Lab::start(&[], &["--prm-scopes", ""]);
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.status("scope"), "warn", "{}", d.human);
    assert!(d.line("scope").contains("AADSTS70011"), "{}", d.human);
    assert!(d.fix("scope").contains("--scope"));
    assert_eq!(d.json["scope"]["source"], "none");

    let d = doctor(&lab, &["--scope", "mcp:read"], &[]);
    assert_eq!(d.status("scope"), "ok");
    assert_eq!(d.json["scope"]["source"], "flag");
}

#[test]
fn reports_a_stored_token_after_login() {
    let lab = Lab::start(&[], &[]);
    let mut login = lab.command(&["login", "--token-store", "file"], &[], &[]);
    let status = login.wait(std::time::Duration::from_secs(30));
    assert!(status.success(), "{}", login.stderr());
    // login says where the token went, as status does.
    let dir = lab.config_dir.path().display().to_string();
    assert!(
        login
            .stderr()
            .contains(&format!("Stored in file {dir}/tokens")),
        "{}",
        login.stderr()
    );
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.code, 0, "{}", d.human);
    let s = &d.json["stored_token"];
    assert_eq!(s["present"], true, "{s:#}");
    assert_eq!(s["usable"], true);
    assert_eq!(s["expired"], false);
    assert!(s["expires_at"].as_u64().is_some());
    assert!(d.line("stored token").contains("expires in"), "{}", d.human);
}

#[test]
fn an_unprotected_server_needs_nothing() {
    let server = crate::support::Server::start("sdk-server.mjs", &[]);
    let (status, lines, _) = run_once(&["doctor", &server.url], &[], b"");
    let human = lines.join("\n");
    assert!(status.success(), "{human}");
    assert!(human.contains("nothing to sign in to"), "{human}");
}

#[test]
fn says_whether_tokens_will_be_dpop_bound() {
    // The MCP server asks for DPoP (its resource metadata, its challenge).
    let lab = Lab::start(&[], &["--dpop"]);
    let d = doctor(&lab, &[], &[]);
    assert_eq!(d.status("dpop"), "ok", "{:#}", d.json);
    let message = d.check("dpop")["message"].as_str().unwrap();
    assert!(
        message.starts_with("tokens will be DPoP-bound"),
        "{message}"
    );
    assert!(d.line("DPoP").contains("DPoP-bound"), "{}", d.human);
    // A Bearer-only server in front of the same provider (which advertises
    // DPoP, as oidc-provider does by default): Bearer tokens.
    let lab = Lab::start(&[], &[]);
    let d = doctor(&lab, &[], &[]);
    let message = d.check("dpop")["message"].as_str().unwrap();
    assert!(message.starts_with("Bearer tokens"), "{message}");
    assert!(message.contains("does not ask"), "{message}");
}
