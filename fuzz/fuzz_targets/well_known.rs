//! Well-known metadata URLs built from a server URL or an issuer
//! (RFC 9728 §3.1, RFC 8414 §3.1), and the resource check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_tether::auth::discovery::{
    check_transport, resource_matches, resource_metadata_candidates, server_metadata_candidates,
};
use url::Url;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Two URLs: the server, and a resource to check against it.
    let (first, second) = text.split_once('\n').unwrap_or((text, text));
    let Ok(server) = Url::parse(first) else {
        return;
    };
    let prm = resource_metadata_candidates(&server);
    let asm = server_metadata_candidates(&server);
    let _ = check_transport(&server, false);
    let _ = resource_matches(second, &server);

    if matches!(server.scheme(), "http" | "https") {
        let origin = server.origin().ascii_serialization();
        let path = server.path().trim_end_matches('/');
        let root = format!("{origin}/.well-known/oauth-protected-resource");
        let want = if path.is_empty() {
            vec![root]
        } else {
            vec![format!("{root}{path}"), root]
        };
        // Compared without userinfo (`https://user:pw@host/`): the candidates
        // keep it, as they keep everything of the server URL but the path.
        let shown = |u: &Url| format!("{}{}", u.origin().ascii_serialization(), u.path());
        assert_eq!(prm.iter().map(shown).collect::<Vec<_>>(), want);
        for u in prm.iter().chain(&asm) {
            assert_eq!(u.origin(), server.origin());
            assert_eq!(u.username(), server.username());
            assert_eq!(u.query(), None);
            assert_eq!(u.fragment(), None);
        }
        assert_eq!(asm.len(), if path.is_empty() { 2 } else { 3 });
        if server.username().is_empty() && server.password().is_none() {
            assert!(resource_matches(server.as_str(), &server));
            assert!(resource_matches(&origin, &server));
        }
    }
});
