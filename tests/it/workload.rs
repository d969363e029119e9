//! Workload identity (`--flow jwt-bearer`, RFC 7523 §2.1, SEP-1933) against
//! real components: oidc-provider with the jwt-bearer grant registered
//! (tests/lab/oauth-as.mjs `--jwt-bearer`, which verifies the assertion
//! against its own "workload issuer" key) and the protected MCP server that
//! validates the JWT access token. No browser may be involved: `BROWSER` is
//! set to a command that fails.

use std::time::Duration;

use serde_json::Value;

use crate::oauth::{Lab, count, error_message, try_initialize, whoami};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const CLIENT: &str = "workload-client";
/// Anything that tried to open a browser would fail (and sign nobody in).
const NO_BROWSER: (&str, &str) = ("BROWSER", "/bin/false");

fn lab() -> Lab {
    Lab::start(&["--jwt-bearer"], &[])
}

/// `{assertion, sub, jti, exp}` of a new assertion from the lab's workload
/// issuer: `kind` is valid, expired, wrong-aud or wrong-iss.
fn assertion(lab: &Lab, kind: &str, sub: &str) -> Value {
    let a = lab
        .auth_server
        .get_json(&format!("/_lab/workload-assertion?kind={kind}&sub={sub}"));
    assert!(a["assertion"].is_string(), "{a}");
    a
}

fn jwt(a: &Value) -> &str {
    a["assertion"].as_str().unwrap()
}

/// The jwt-bearer token requests the AS received, in order (their form bodies).
fn grant_requests(lab: &Lab) -> Vec<Value> {
    lab.auth_server
        .log()
        .into_iter()
        .filter(|e| e["body"]["grant_type"] == GRANT)
        .collect()
}

/// Only the jwt-bearer grant was used: no authorization request (no
/// browser, no person), no registration, no other grant at the token endpoint.
fn assert_only_jwt_bearer(lab: &Lab, expected: u64) {
    let c = lab.counters();
    assert_eq!(
        count(&c["authorization"]),
        0,
        "no authorization request: {c}"
    );
    assert_eq!(
        count(&c["registration"]),
        0,
        "the client is pre-registered: {c}"
    );
    assert_eq!(count(&c["deviceAuthorization"]), 0, "{c}");
    let grants = c["token"].as_object().unwrap();
    assert_eq!(
        grants.keys().collect::<Vec<_>>(),
        vec![GRANT],
        "no other grant was tried: {c}"
    );
    assert_eq!(count(&c["token"][GRANT]), expected, "{c}");
}

fn bridge_with_file(lab: &Lab, file: &std::path::Path) -> crate::support::Bridge {
    lab.bridge_env(
        &[
            "--flow",
            "jwt-bearer",
            "--assertion-file",
            file.to_str().unwrap(),
            "--client-id",
            CLIENT,
        ],
        &[NO_BROWSER],
    )
}

/// The bridge signs in with the workload's JWT from a file, no browser: the
/// token it gets is oidc-provider's JWT for this resource, issued to the
/// assertion's subject, and the request carried exactly what RFC 7523 §2.1
/// and RFC 8707 say.
#[test]
fn signs_in_with_the_assertion_from_a_file_without_a_browser() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    let a = assertion(&lab, "valid", "system:serviceaccount:lab:first");
    std::fs::write(&file, format!("{}\n", jwt(&a))).unwrap();

    let mut bridge = bridge_with_file(&lab, &file);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "system:serviceaccount:lab:first", "{me}");
    assert_eq!(
        me["aud"],
        lab.resource_server.url.as_str(),
        "the token is for this resource: {me}"
    );
    assert_eq!(me["client_id"], CLIENT, "{me}");
    assert_eq!(me["iss"], lab.auth_server.url.as_str(), "{me}");
    assert!(
        me["scope"].as_str().unwrap_or("").contains("mcp:read"),
        "{me}"
    );

    assert_only_jwt_bearer(&lab, 1);
    let sent = &grant_requests(&lab)[0];
    assert_eq!(sent["status"], 200, "{sent}");
    let body = &sent["body"];
    assert_eq!(body["assertion"], jwt(&a), "the file's JWT, trimmed");
    assert_eq!(body["client_id"], CLIENT, "{body}");
    assert_eq!(body["resource"], lab.resource_server.url.as_str(), "{body}");
    assert!(
        !bridge.stderr().contains(jwt(&a)),
        "the assertion never reaches a log"
    );
}

/// The file is read again at every token request: once the server stops
/// accepting the first token, the bridge presents the JWT now in the file
/// (kubelet rotated it), and the new token is the new subject's.
#[test]
fn a_rotated_assertion_file_is_read_again_for_the_next_token() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    let first = assertion(&lab, "valid", "workload-before");
    std::fs::write(&file, jwt(&first)).unwrap();

    let mut bridge = bridge_with_file(&lab, &file);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "workload-before");

    // Rotation: a new JWT (another subject and jti) replaces the file.
    let second = assertion(&lab, "valid", "workload-after");
    assert_ne!(first["jti"], second["jti"]);
    std::fs::write(&file, jwt(&second)).unwrap();
    // The token in hand is refused from now on: the grant must run again.
    lab.resource_server.control("/_lab/revoke-tokens");

    let me = whoami(&mut bridge);
    assert_eq!(
        me["sub"],
        "workload-after",
        "the new token came from the new assertion: {me}\n{}",
        bridge.stderr()
    );
    assert_eq!(me["aud"], lab.resource_server.url.as_str(), "{me}");

    assert_only_jwt_bearer(&lab, 2);
    let sent: Vec<Value> = grant_requests(&lab)
        .iter()
        .map(|e| e["body"]["assertion"].clone())
        .collect();
    assert_eq!(
        sent,
        vec![first["assertion"].clone(), second["assertion"].clone()],
        "each token request presented what the file held then"
    );
}

/// An expired assertion: oidc-provider refuses it with invalid_grant, the
/// host's request fails with an error that says so, and that was the only
/// token request (no retry, no other grant, no browser).
#[test]
fn an_expired_assertion_is_one_refused_request_and_a_clear_error() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    let expired = assertion(&lab, "expired", "workload-late");
    std::fs::write(&file, jwt(&expired)).unwrap();

    let mut bridge = bridge_with_file(&lab, &file);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("invalid_grant"), "{msg}");
    assert!(msg.contains("jwt-bearer"), "names the grant: {msg}");
    assert!(
        msg.contains(lab.auth_server.url.as_str()),
        "names the authorization server: {msg}"
    );
    assert!(!msg.contains(jwt(&expired)), "{msg}");

    // Give a background retry, if there were one, the time to show.
    std::thread::sleep(Duration::from_millis(1500));
    assert_only_jwt_bearer(&lab, 1);
    let refused = &grant_requests(&lab)[0];
    assert_eq!(refused["status"], 400, "{refused}");
    assert!(
        lab.resource_server
            .log()
            .iter()
            .all(|e| e["headers"].get("authorization").is_none()),
        "no token reached the server"
    );
    assert!(lab.token_files().is_empty(), "nothing stored");
}

/// An assertion for another audience is refused the same way (the AS checks
/// `aud`, and the bridge presents the JWT as it is).
#[test]
fn an_assertion_for_another_audience_is_refused_with_invalid_grant() {
    let lab = lab();
    let wrong = assertion(&lab, "wrong-aud", "workload-lost");
    let mut bridge = lab.bridge_env(
        &[
            "--flow",
            "jwt-bearer",
            "--assertion-env",
            "LAB_WORKLOAD_JWT",
            "--client-id",
            CLIENT,
        ],
        &[NO_BROWSER, ("LAB_WORKLOAD_JWT", jwt(&wrong))],
    );
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("invalid_grant"), "{msg}");
    std::thread::sleep(Duration::from_millis(500));
    assert_only_jwt_bearer(&lab, 1);
}

/// `--assertion-env VAR`: the JWT comes from the environment (a CI job's
/// OIDC token) and is presented the same way.
#[test]
fn signs_in_with_the_assertion_from_an_environment_variable() {
    let lab = lab();
    let a = assertion(&lab, "valid", "repo:lab/ci:ref:refs/heads/main");
    let mut bridge = lab.bridge_env(
        &[
            "--flow",
            "jwt-bearer",
            "--assertion-env",
            "LAB_WORKLOAD_JWT",
            "--client-id",
            CLIENT,
        ],
        &[NO_BROWSER, ("LAB_WORKLOAD_JWT", jwt(&a))],
    );
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "repo:lab/ci:ref:refs/heads/main", "{me}");
    assert_eq!(me["aud"], lab.resource_server.url.as_str(), "{me}");
    assert_only_jwt_bearer(&lab, 1);
    assert_eq!(grant_requests(&lab)[0]["body"]["assertion"], jwt(&a));
    assert!(!bridge.stderr().contains(jwt(&a)));
}

/// A workload client registered for the resource's scopes only (what an
/// admin does: no refresh token is expected from this grant). The bridge
/// must not ask for `offline_access` here (it once did, for every grant,
/// and oidc-provider refused the request with invalid_scope).
#[test]
fn a_client_allowed_only_the_resource_scopes_gets_a_token() {
    let lab = lab();
    let a = assertion(&lab, "valid", "workload-narrow");
    let mut bridge = lab.bridge_env(
        &[
            "--flow",
            "jwt-bearer",
            "--assertion-env",
            "LAB_WORKLOAD_JWT",
            "--client-id",
            "workload-narrow",
        ],
        &[NO_BROWSER, ("LAB_WORKLOAD_JWT", jwt(&a))],
    );
    let r = try_initialize(&mut bridge);
    assert!(r.get("result").is_some(), "{r}\n{}", bridge.stderr());
    assert_eq!(whoami(&mut bridge)["sub"], "workload-narrow");
    let scope = &grant_requests(&lab)[0]["body"]["scope"];
    assert!(
        !scope.as_str().unwrap_or("").contains("offline_access"),
        "{scope}"
    );
}
