//! Discovery documents: RFC 9728 protected resource metadata and RFC 8414 /
//! OIDC authorization server metadata, as `fetch_json` reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_tether::auth::discovery::{
    ResourceMetadata, ServerMetadata, check_transport, resource_matches,
};
use url::Url;

fuzz_target!(|data: &[u8]| {
    let server = Url::parse("https://mcp.example/api/mcp").unwrap();
    if let Ok(m) = serde_json::from_slice::<ResourceMetadata>(data) {
        let _ = resource_matches(&m.resource, &server);
        for s in &m.authorization_servers {
            if let Ok(u) = Url::parse(s) {
                let _ = check_transport(&u, false);
            }
        }
        // What we read, we write back the same.
        let again: ResourceMetadata =
            serde_json::from_slice(&serde_json::to_vec(&m).unwrap()).unwrap();
        assert_eq!(again, m);
    }
    if let Ok(m) = serde_json::from_slice::<ServerMetadata>(data) {
        let _ = m.supports_s256();
        let _ = m.lists_scope("mcp");
        for e in [
            &m.authorization_endpoint,
            &m.token_endpoint,
            &m.registration_endpoint,
            &m.device_authorization_endpoint,
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(u) = Url::parse(e) {
                let _ = check_transport(&u, false);
            }
        }
        let again: ServerMetadata =
            serde_json::from_slice(&serde_json::to_vec(&m).unwrap()).unwrap();
        assert_eq!(again, m);
    }
});
