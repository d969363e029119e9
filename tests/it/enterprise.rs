//! Enterprise-managed authorization (`--flow enterprise`, SEP-990) end to end
//! through real servers, with mcp-tether signing the person in to the IdP
//! itself (no `--id-token-*`): two oidc-provider instances,
//! tests/lab/oauth-as.mjs `--idp` as the enterprise IdP (code flow for the
//! person, RFC 8693 token exchange for an ID-JAG, tests/lab/xaa.mjs) and
//! `--trust-idp` as the MCP server's authorization server (the RFC 7523
//! jwt-bearer grant with the ID-JAG, checked against the IdP's keys), in
//! front of the protected MCP server. The person is the lab's scripted
//! browser on the IdP's real login and consent pages.

use std::time::Duration;

use serde_json::Value;

use crate::oauth::{Lab, count, error_message, try_initialize, whoami};
use crate::support::{Bridge, Server};

const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Anything that tried to open a browser would fail (and sign nobody in).
const NO_BROWSER: (&str, &str) = ("BROWSER", "/bin/false");

struct Xaa {
    idp: Server,
    lab: Lab,
}

fn xaa(idp_flags: &[&str]) -> Xaa {
    let mut flags = vec!["--idp"];
    flags.extend_from_slice(idp_flags);
    let idp = Server::start("oauth-as.mjs", &flags);
    let lab = Lab::start(&["--trust-idp", idp.url.as_str()], &[]);
    Xaa { idp, lab }
}

impl Xaa {
    /// A bridge with `--flow enterprise` and no ID token: it signs in to the
    /// IdP as `idp_client` (plus `flags`).
    fn bridge(&self, flags: &[&str], env: &[(&str, &str)]) -> Bridge {
        self.command(&[], flags, env)
    }

    /// `mcp-tether <sub…> --flow enterprise … <flags…> <server>`.
    fn command(&self, sub: &[&str], flags: &[&str], env: &[(&str, &str)]) -> Bridge {
        let mut all = vec![
            "--flow",
            "enterprise",
            "--idp-issuer",
            self.idp.url.as_str(),
            "--client-id",
            "xaa-client",
            "--client-secret-env",
            "XAA_CLIENT_SECRET",
        ];
        all.extend_from_slice(flags);
        let mut all_env = vec![("XAA_CLIENT_SECRET", "xaa-client-secret")];
        all_env.extend_from_slice(env);
        self.lab.command(sub, &all, &all_env)
    }

    fn public(&self, env: &[(&str, &str)]) -> Bridge {
        self.bridge(&["--idp-client-id", "xaa-app"], env)
    }

    fn idp_counters(&self) -> Value {
        self.idp.get_json("/_lab/counters")
    }

    /// The token exchanges the IdP received, in order.
    fn exchanges(&self) -> Vec<Value> {
        self.idp
            .log()
            .into_iter()
            .filter(|e| e["body"]["grant_type"] == EXCHANGE)
            .collect()
    }

    /// The resource server refuses every token it has seen: the bridge must
    /// get a new one (a new ID-JAG, so a new exchange).
    fn revoke_access_tokens(&self) {
        self.lab.resource_server.control("/_lab/revoke-tokens");
    }
}

fn statuses(requests: &[Value]) -> Vec<u64> {
    requests
        .iter()
        .map(|e| e["status"].as_u64().unwrap_or(0))
        .collect()
}

/// The first run sends the person to the IdP once; the ID token it gets is
/// exchanged for an ID-JAG, and the ID-JAG for the MCP server's token. Later
/// tokens (in this process and the next, which may not open a browser) come
/// from the kept ID token without the person.
#[test]
fn signs_in_to_the_idp_once_and_exchanges_the_kept_id_token_for_each_new_token() {
    let x = xaa(&[]);
    let mut bridge = x.public(&[]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "alice", "the IdP's person: {me}");
    assert_eq!(me["client_id"], "xaa-client", "{me}");
    assert_eq!(me["iss"], x.lab.auth_server.url.as_str(), "{me}");
    assert_eq!(me["aud"], x.lab.resource_server.url.as_str(), "{me}");

    let c = x.idp_counters();
    assert_eq!(count(&c["authorization"]), 1, "one sign-in at the IdP: {c}");
    assert_eq!(count(&c["token"]["authorization_code"]), 1, "{c}");
    assert_eq!(count(&c["token"][EXCHANGE]), 1, "{c}");
    let at_as = x.lab.counters();
    assert_eq!(
        count(&at_as["authorization"]),
        0,
        "no browser at the AS: {at_as}"
    );
    assert_eq!(count(&at_as["token"][JWT_BEARER]), 1, "{at_as}");

    // What SEP-990 says the exchange carries.
    let sent = &x.exchanges()[0];
    assert_eq!(sent["status"], 200, "{sent}");
    let body = &sent["body"];
    assert_eq!(
        body["subject_token_type"],
        "urn:ietf:params:oauth:token-type:id_token"
    );
    assert_eq!(
        body["requested_token_type"],
        "urn:ietf:params:oauth:token-type:id-jag"
    );
    assert_eq!(body["audience"], x.lab.auth_server.url.as_str(), "{body}");
    assert_eq!(
        body["resource"],
        x.lab.resource_server.url.as_str(),
        "{body}"
    );
    assert_eq!(body["client_id"], "xaa-app", "the requesting app: {body}");
    // The sign-in asked for an ID token with a nonce, and for offline access.
    let auth = x
        .idp
        .log()
        .into_iter()
        .find(|e| e["path"].as_str().is_some_and(|u| u.starts_with("/auth?")))
        .expect("an authorization request at the IdP");
    let url = auth["path"].as_str().unwrap();
    assert!(url.contains("scope=openid+offline_access"), "{url}");
    assert!(url.contains("nonce="), "{url}");
    assert!(url.contains("code_challenge_method=S256"), "{url}");

    // A new token in the same process: the kept ID token, no person.
    x.revoke_access_tokens();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    // And in the next process, which cannot open a browser at all.
    drop(bridge);
    x.revoke_access_tokens();
    let mut next = x.public(&[NO_BROWSER]);
    next.initialize();
    assert_eq!(whoami(&mut next)["sub"], "alice", "{}", next.stderr());

    let c = x.idp_counters();
    assert_eq!(count(&c["authorization"]), 1, "still one sign-in: {c}");
    assert_eq!(
        count(&c["token"]["refresh_token"]),
        0,
        "no refresh needed: {c}"
    );
    assert_eq!(count(&c["token"][EXCHANGE]), 3, "{c}");
    assert_eq!(statuses(&x.exchanges()), vec![200, 200, 200]);
    let subject_tokens: Vec<Value> = x
        .exchanges()
        .iter()
        .map(|e| e["body"]["subject_token"].clone())
        .collect();
    assert!(
        subject_tokens.iter().all(|t| *t == subject_tokens[0]),
        "the same kept ID token each time"
    );
    // `status` shows the IdP sign-in, never its tokens.
    let status = crate::headless::status_json(&x.lab);
    let idp = &status[0]["idp"];
    assert_eq!(idp["issuer"], x.idp.url.as_str(), "{status}");
    assert_eq!(idp["subject"], "alice", "{status}");
    assert_eq!(idp["refresh_token"], true, "{status}");
    assert!(!status.to_string().contains("eyJ"), "{status}");
    assert!(
        !next.stderr().contains("eyJ"),
        "no JWT (ID token, ID-JAG, access token) in the log:\n{}",
        next.stderr()
    );
}

/// An ID token near its end is refreshed at the IdP with the refresh token
/// from the sign-in (a confidential requesting app here), not by sending
/// the person to the browser again.
#[test]
fn an_id_token_near_its_end_is_refreshed_at_the_idp_without_the_person() {
    // 30 s is inside the bridge's 60 s margin: every kept ID token is "near its end".
    let x = xaa(&["--id-token-ttl", "30"]);
    let mut bridge = x.bridge(
        &[
            "--idp-client-id",
            "xaa-app-confidential",
            "--idp-client-secret-env",
            "IDP_SECRET",
        ],
        &[("IDP_SECRET", "xaa-app-secret")],
    );
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    x.revoke_access_tokens();
    assert_eq!(whoami(&mut bridge)["sub"], "alice", "{}", bridge.stderr());

    let c = x.idp_counters();
    assert_eq!(count(&c["authorization"]), 1, "{c}");
    assert_eq!(count(&c["token"]["refresh_token"]), 1, "{c}");
    assert_eq!(count(&c["token"][EXCHANGE]), 2, "{c}");
    let exchanges = x.exchanges();
    assert_eq!(statuses(&exchanges), vec![200, 200]);
    // In order: sign-in, exchange, refresh, exchange (a refresh in the same
    // second may give back the very same ID token, so order is what shows it).
    let grants: Vec<String> = x
        .idp
        .log()
        .iter()
        .filter_map(|e| e["body"]["grant_type"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        grants,
        vec!["authorization_code", EXCHANGE, "refresh_token", EXCHANGE],
        "the second exchange came after the refresh"
    );
    // The confidential app authenticates with its secret (client_secret_basic).
    for e in &exchanges {
        let auth = e["headers"]["authorization"].as_str().unwrap_or_default();
        assert!(auth.starts_with("Basic "), "{e}");
        assert!(e["body"].get("client_secret").is_none(), "{e}");
    }
}

/// The IdP ended the person's session (signed out everywhere: the kept ID
/// token and the refresh token are refused). The bridge tries the kept ID
/// token once, then the refresh once, then sends the person to sign in
/// again, and the host's request still succeeds.
#[test]
fn a_session_the_idp_ended_sends_the_person_to_sign_in_again_once() {
    let x = xaa(&[]);
    let mut bridge = x.public(&[]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");

    x.idp.control("/_lab/idp-revoke-sessions");
    x.revoke_access_tokens();
    assert_eq!(whoami(&mut bridge)["sub"], "alice", "{}", bridge.stderr());

    let c = x.idp_counters();
    assert_eq!(count(&c["authorization"]), 2, "signed in again: {c}");
    assert_eq!(
        statuses(&x.exchanges()),
        vec![200, 400, 200],
        "the kept ID token was refused once, then the new one worked"
    );
    let refreshes: Vec<Value> = x
        .idp
        .log()
        .into_iter()
        .filter(|e| e["body"]["grant_type"] == "refresh_token")
        .collect();
    assert_eq!(statuses(&refreshes), vec![400], "one refused refresh");
}

/// The IdP's policy does not let the person use this MCP server: one
/// exchange, refused, and an error that says where and why; the person is
/// not sent around again, and the AS never sees a grant.
#[test]
fn an_exchange_the_idp_policy_refuses_is_one_clear_error() {
    let x = xaa(&[]);
    x.idp.control(&format!(
        "/_lab/idp-deny?audience={}",
        x.lab.auth_server.url
    ));
    let mut bridge = x.public(&[]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("refused to exchange the ID token"), "{msg}");
    assert!(msg.contains("policy"), "the IdP's reason: {msg}");
    assert!(msg.contains(x.idp.url.as_str()), "names the IdP: {msg}");

    std::thread::sleep(Duration::from_millis(1500));
    let c = x.idp_counters();
    assert_eq!(count(&c["authorization"]), 1, "{c}");
    assert_eq!(statuses(&x.exchanges()), vec![400]);
    let at_as = x.lab.counters();
    assert_eq!(count(&at_as["token"][JWT_BEARER]), 0, "{at_as}");
}

/// `doctor --flow enterprise` checks the IdP: where the exchange goes and
/// where the person will sign in; an IdP that does not list the token
/// exchange (here: the MCP server's own AS named as the IdP) is a warning
/// with what to ask, and neither run opens a browser or stores anything.
#[test]
fn doctor_checks_the_idp_the_exchange_and_the_sign_in_there() {
    let x = xaa(&[]);
    let doctor = |idp: &str| -> Value {
        let (_, out, err) = crate::support::run_once(
            &[
                "doctor",
                "--json",
                "--flow",
                "enterprise",
                "--idp-issuer",
                idp,
                "--idp-client-id",
                "xaa-app",
                "--client-id",
                "xaa-client",
                "--client-secret-env",
                "XAA_CLIENT_SECRET",
                &x.lab.resource_server.url,
            ],
            &[("XAA_CLIENT_SECRET", "xaa-client-secret"), NO_BROWSER],
            b"",
        );
        let json: Value =
            serde_json::from_str(&out.join("\n")).unwrap_or_else(|e| panic!("{e}: {out:?}\n{err}"));
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "idp")
            .cloned()
            .unwrap_or_else(|| panic!("no idp check: {json:#}"))
    };
    let good = doctor(&x.idp.url);
    assert_eq!(good["status"], "ok", "{good}");
    let says = good["message"].as_str().unwrap();
    assert!(says.contains(&format!("{}/token", x.idp.url)), "{says}");
    assert!(
        says.contains(&format!("signs you in at {}/auth", x.idp.url)),
        "{says}"
    );

    let not_an_idp = doctor(&x.lab.auth_server.url);
    assert_eq!(not_an_idp["status"], "warn", "{not_an_idp}");
    assert!(
        not_an_idp["message"]
            .as_str()
            .unwrap()
            .contains("does not list the token exchange grant"),
        "{not_an_idp}"
    );
    assert_eq!(count(&x.idp_counters()["authorization"]), 0);
}

/// `mcp-tether login --flow enterprise` in a terminal signs in to the IdP
/// and gets the MCP server's token; the bridge a host starts later (which
/// could not open a browser) uses it.
#[test]
fn login_signs_in_to_the_idp_and_the_bridge_uses_what_it_stored() {
    let x = xaa(&[]);
    let mut login = x.command(&["login"], &["--idp-client-id", "xaa-app"], &[]);
    let status = login.wait(Duration::from_secs(60));
    assert!(status.success(), "{}", login.stderr());
    let c = x.idp_counters();
    assert_eq!(count(&c["authorization"]), 1, "{c}");
    assert_eq!(count(&c["token"][EXCHANGE]), 1, "{c}");

    let mut bridge = x.public(&[NO_BROWSER]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice", "{}", bridge.stderr());
    let c = x.idp_counters();
    assert_eq!(count(&c["authorization"]), 1, "no second sign-in: {c}");
    assert_eq!(
        count(&c["token"][EXCHANGE]),
        1,
        "the stored token was used: {c}"
    );
}

/// `logout` forgets the IdP sign-in with the rest, and revokes its refresh
/// token at the IdP (RFC 7009): the IdP session mcp-tether opened ends.
#[test]
fn logout_revokes_the_refresh_token_of_the_idp_sign_in() {
    let x = xaa(&[]);
    let mut bridge = x.public(&[]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    drop(bridge);

    let mut logout = x
        .lab
        .run(&["logout", x.lab.resource_server.url.as_str()], &[]);
    assert!(
        logout.wait(Duration::from_secs(30)).success(),
        "{}",
        logout.stderr()
    );
    assert!(
        logout
            .stderr()
            .contains("and revoked its refresh token there"),
        "{}",
        logout.stderr()
    );
    let revocations: Vec<Value> = x
        .idp
        .log()
        .into_iter()
        .filter(|e| e["path"] == "/token/revocation")
        .collect();
    assert_eq!(statuses(&revocations), vec![200], "{revocations:?}");
    assert_eq!(revocations[0]["body"]["token_type_hint"], "refresh_token");
    assert_eq!(revocations[0]["body"]["client_id"], "xaa-app");
    let status = crate::headless::status_json(&x.lab);
    assert_eq!(status, serde_json::json!([]), "nothing stored: {status}");
}

/// The host gives up while the person is still signing in to the IdP (a
/// slow person; hosts close a server that hasn't answered in 30-60 s): the
/// sign-in helper finishes the IdP sign-in and both exchanges on its own,
/// and the host's next start finds the token with no browser.
#[test]
fn a_host_that_gives_up_during_the_idp_sign_in_finds_the_token_on_its_next_start() {
    let x = xaa(&[]);
    let mut first = x.public(&[("LAB_BROWSER_DELAY_MS", "2500")]);
    first.send(&serde_json::json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    first.wait_for_stderr("Open this URL", Duration::from_secs(20));
    first.signal("KILL"); // the host gave up
    first.wait(Duration::from_secs(5));

    // The helper carries on: the person finishes, the token is stored.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while count(&x.lab.counters()["token"][JWT_BEARER]) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no token was fetched after the host left: {}",
            x.idp_counters()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500)); // stored after the grant

    let mut next = x.public(&[NO_BROWSER]);
    next.initialize();
    assert_eq!(whoami(&mut next)["sub"], "alice", "{}", next.stderr());
    let c = x.idp_counters();
    assert_eq!(count(&c["authorization"]), 1, "{c}");
    assert_eq!(
        count(&c["token"][EXCHANGE]),
        1,
        "the stored token was used: {c}"
    );
}
