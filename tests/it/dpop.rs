//! DPoP (RFC 9449) against real components: oidc-provider, which supports
//! DPoP out of the box (and, with `--dpop-nonce`, demands its nonce at the
//! token endpoint), and the lab's resource server, which in `--dpop` mode
//! takes only DPoP-bound tokens and checks every proof in full (signature,
//! htm, htu, iat, ath, a fresh jti, the key's thumbprint against the token's
//! cnf.jkt; with `--dpop-nonce`, its own nonce too).

use std::time::Duration;

use serde_json::Value;

use crate::oauth::{Lab, count, whoami};

/// The record the bridge stored (the file store: one server, one file).
fn stored_record(lab: &Lab) -> Value {
    let files = lab.token_files();
    assert_eq!(files.len(), 1, "{files:?}");
    serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap()
}

#[test]
fn binds_tokens_to_a_key_when_the_server_asks_and_answers_both_nonces() {
    let lab = Lab::start(&["--dpop-nonce"], &["--dpop-nonce"]);
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "alice");
    let jkt = me["cnf"]["jkt"]
        .as_str()
        .unwrap_or_else(|| panic!("the token is DPoP-bound (cnf.jkt): {me}"))
        .to_string();

    // The token request carried a proof, and was retried with the
    // authorization server's nonce.
    let token_requests: Vec<Value> = lab
        .as_requests_from_bridges()
        .into_iter()
        .filter(|e| e["path"].as_str().is_some_and(|p| p.starts_with("/token")))
        .collect();
    assert!(
        token_requests
            .iter()
            .all(|e| e["headers"]["dpop"].is_string()),
        "every token request has a DPoP proof: {token_requests:?}"
    );
    assert!(
        token_requests.iter().any(|e| e["status"] == 400),
        "the first proof had no nonce and was answered use_dpop_nonce: {token_requests:?}"
    );
    // The MCP server asked for its nonce once, and every request after
    // carried a good proof.
    let stats = lab.resource_server.get_json("/_lab/dpop");
    assert!(count(&stats["nonceChallenges"]) >= 1, "{stats}");
    assert!(count(&stats["proofs"]) >= 3, "{stats}");
    let sent: Vec<String> = lab
        .resource_server
        .log()
        .into_iter()
        .filter_map(|e| e["headers"]["authorization"].as_str().map(str::to_string))
        .collect();
    assert!(
        sent.iter().all(|h| !h.starts_with("Bearer")),
        "a bound token is never sent as a bearer token: {sent:?}"
    );

    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());
    let record = stored_record(&lab);
    assert_eq!(record["tokens"]["dpop_bound"], true, "{record}");
    let key = record["dpop_key"]["pkcs8"].as_str().unwrap().to_string();
    assert!(
        !bridge.stderr().contains(&key),
        "the private key never reaches a log"
    );

    // A restart uses the stored token and key: no authorization server at
    // all, the same binding.
    lab.auth_server.control("/_lab/reset-log");
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    let again = whoami(&mut bridge);
    assert_eq!(again["cnf"]["jkt"].as_str(), Some(jkt.as_str()));
    assert!(
        lab.as_requests_from_bridges().is_empty(),
        "the stored bound token was used as it was"
    );
}

#[test]
fn a_bound_token_is_refreshed_with_the_same_key() {
    let lab = Lab::start(&["--access-ttl", "2", "--refresh-always"], &["--dpop"]);
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    let first = whoami(&mut bridge);
    std::thread::sleep(Duration::from_secs(3));
    let second = whoami(&mut bridge);
    assert_eq!(second["sub"], "alice");
    assert_eq!(
        first["cnf"]["jkt"], second["cnf"]["jkt"],
        "the refreshed token is bound to the same key"
    );
    assert_ne!(first["exp"], second["exp"], "a new token: {first} {second}");
    let c = lab.counters();
    assert_eq!(count(&c["authorization"]), 1, "no second sign-in: {c}");
    assert!(count(&c["token"]["refresh_token"]) >= 1, "{c}");
}

#[test]
fn a_bearer_only_server_gets_bearer_tokens_though_the_provider_offers_dpop() {
    let lab = Lab::start(&[], &[]);
    // oidc-provider advertises DPoP by default, as many providers do.
    let md = lab
        .auth_server
        .get_json("/.well-known/openid-configuration");
    assert!(
        md["dpop_signing_alg_values_supported"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == "ES256")),
        "{md}"
    );
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "alice");
    assert!(me["cnf"].is_null(), "an unbound token: {me}");
    let token_requests: Vec<Value> = lab
        .as_requests_from_bridges()
        .into_iter()
        .filter(|e| e["path"].as_str().is_some_and(|p| p.starts_with("/token")))
        .collect();
    assert!(!token_requests.is_empty());
    assert!(
        token_requests
            .iter()
            .all(|e| e["headers"]["dpop"].is_null()),
        "no proof when the MCP server did not ask: {token_requests:?}"
    );
}

#[test]
fn dpop_forced_on_a_bearer_only_server_falls_back_once_with_a_warning() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge(&["--dpop"]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "alice");
    assert!(me["cnf"].is_null(), "the server got an unbound token: {me}");
    bridge.wait_for_stderr("signing in again without DPoP", Duration::from_secs(5));
    let c = lab.counters();
    assert_eq!(
        count(&c["authorization"]),
        2,
        "one sign-in with DPoP, refused; one without: {c}"
    );
}
