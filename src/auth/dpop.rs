//! DPoP (RFC 9449): tokens bound to a key pair this bridge holds, so a
//! stolen token is useless without the key. Each token request and each
//! request to the MCP server carries a fresh proof: a small JWT signed with
//! the key, naming the method and URL (and, to the MCP server, a hash of the
//! token), with the server's nonce when it asked for one.
//!
//! The key is ES256 (P-256), the one algorithm every DPoP server supports;
//! it is generated per authorization server and kept with the registration
//! in the token store. Its private half never appears in a log (`Debug`
//! says "redacted").

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::locked::Locked;

/// The one algorithm mcp-tether signs proofs with.
pub const ALG: &str = "ES256";

/// When to bind tokens (`--dpop`, `--no-dpop`, or neither).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// When the MCP server asks for it (its resource metadata or its
    /// challenge) and the authorization server supports ES256.
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to bind the tokens of this sign-in. Never because the
/// authorization server alone advertises DPoP: many do by default while the
/// MCP server in front of them takes Bearer tokens only, and a bound token
/// there breaks every request.
pub fn wanted(
    mode: Mode,
    server_asks: bool,
    as_algs: Option<&[String]>,
) -> Result<bool, NotOffered> {
    let as_has_es256 = as_algs.is_some_and(|a| a.iter().any(|x| x == ALG));
    match mode {
        Mode::Never => Ok(false),
        Mode::Auto => {
            if server_asks && !as_has_es256 {
                tracing::warn!(
                    "the MCP server asks for DPoP, but its authorization server {}; using Bearer tokens",
                    NotOffered {
                        listed: as_algs.map(<[String]>::to_vec)
                    }
                    .why()
                );
            }
            Ok(server_asks && as_has_es256)
        }
        Mode::Always if as_has_es256 => Ok(true),
        Mode::Always => Err(NotOffered {
            listed: as_algs.map(<[String]>::to_vec),
        }),
    }
}

/// `--dpop`, and the authorization server can't bind tokens to an ES256 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOffered {
    /// Its `dpop_signing_alg_values_supported`, if it has one.
    pub listed: Option<Vec<String>>,
}

impl NotOffered {
    fn why(&self) -> String {
        match &self.listed {
            None => "does not support DPoP (no dpop_signing_alg_values_supported)".into(),
            Some(l) => format!(
                "does not offer {ALG} for DPoP proofs (it lists {})",
                l.join(", ")
            ),
        }
    }
}

impl std::fmt::Display for NotOffered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--dpop, but the authorization server {}; drop --dpop to use Bearer tokens",
            self.why()
        )
    }
}

impl std::error::Error for NotOffered {}

/// A DPoP key pair, as stored: the PKCS#8 document of the private key.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Key {
    /// base64url of the PKCS#8 v1 DER.
    pkcs8: String,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dpop::Key(redacted)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("could not generate a DPoP key")]
    Generate,
    #[error("the stored DPoP key is unreadable; sign in again (`mcp-tether login`)")]
    Unreadable,
    #[error("could not sign a DPoP proof")]
    Sign,
}

impl Key {
    pub fn generate() -> Result<Key, KeyError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| KeyError::Generate)?;
        let doc = pair.to_pkcs8v1().map_err(|_| KeyError::Generate)?;
        Ok(Key {
            pkcs8: B64.encode(doc.as_ref()),
        })
    }

    /// The key, ready to sign.
    pub fn signer(&self) -> Result<Signer, KeyError> {
        let der = B64.decode(&self.pkcs8).map_err(|_| KeyError::Unreadable)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
            .map_err(|_| KeyError::Unreadable)?;
        // An uncompressed P-256 point: 0x04 || x (32) || y (32).
        let point = pair.public_key().as_ref();
        if point.len() != 65 {
            return Err(KeyError::Unreadable);
        }
        let (x, y) = (B64.encode(&point[1..33]), B64.encode(&point[33..65]));
        // RFC 7638: the members in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let thumbprint = B64.encode(Sha256::digest(canonical.as_bytes()));
        let header = format!(
            r#"{{"typ":"dpop+jwt","alg":"{ALG}","jwk":{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}}}"#
        );
        // jti: a random prefix per loaded key, then a counter. Unique and
        // unguessable without a syscall per request (a proof is signed for
        // every request, so its cost is the relay's cost; docs/dpop.md).
        let mut prefix = [0u8; 12];
        getrandom::fill(&mut prefix).map_err(|_| KeyError::Generate)?;
        Ok(Signer {
            pair,
            header_b64: B64.encode(header.as_bytes()),
            thumbprint,
            rng: SystemRandom::new(),
            jti_prefix: B64.encode(prefix),
            jti_counter: std::sync::atomic::AtomicU64::new(0),
        })
    }
}

/// A loaded key: signs proofs.
pub struct Signer {
    pair: EcdsaKeyPair,
    /// The proof header is the same every time: encoded once.
    header_b64: String,
    thumbprint: String,
    rng: SystemRandom,
    jti_prefix: String,
    jti_counter: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dpop::Signer(jkt {})", self.thumbprint)
    }
}

impl Signer {
    /// The key's RFC 7638 thumbprint (what a bound token's `cnf.jkt` holds).
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for one request: `method` and `url` (its query and fragment
    /// left out, RFC 9449 §4.2), `access_token` for a request to the MCP
    /// server (its hash goes in `ath`), `nonce` when the server gave one.
    pub fn proof(
        &self,
        method: &str,
        url: &Url,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, KeyError> {
        self.proof_with_ath(method, url, access_token.map(ath).as_deref(), nonce)
    }

    /// [`Self::proof`] with the token's hash already made ([`ath`]): the
    /// relay hashes a token once, not once per request.
    pub fn proof_with_ath(
        &self,
        method: &str,
        url: &Url,
        ath: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, KeyError> {
        let n = self
            .jti_counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut claims = serde_json::Map::with_capacity(6);
        claims.insert("jti".into(), format!("{}{n:x}", self.jti_prefix).into());
        claims.insert("htm".into(), method.into());
        claims.insert("htu".into(), htu(url).into());
        claims.insert("iat".into(), unix_now().into());
        if let Some(ath) = ath {
            claims.insert("ath".into(), ath.into());
        }
        if let Some(nonce) = nonce {
            claims.insert("nonce".into(), nonce.into());
        }
        let claims = serde_json::to_vec(&claims).map_err(|_| KeyError::Sign)?;
        let mut jwt = String::with_capacity(640);
        jwt.push_str(&self.header_b64);
        jwt.push('.');
        B64.encode_string(&claims, &mut jwt);
        let signature = self
            .pair
            .sign(&self.rng, jwt.as_bytes())
            .map_err(|_| KeyError::Sign)?;
        jwt.push('.');
        B64.encode_string(signature.as_ref(), &mut jwt);
        Ok(jwt)
    }
}

/// Unix seconds now (the proof's `iat`).
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The `ath` claim: the access token's SHA-256, base64url.
pub fn ath(access_token: &str) -> String {
    B64.encode(Sha256::digest(access_token.as_bytes()))
}

/// The `htu` claim: the URL without query and fragment.
pub fn htu(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The latest nonce each server gave (RFC 9449 §8, §9), by origin.
#[derive(Debug, Default)]
pub struct Nonces(Mutex<HashMap<String, String>>);

impl Nonces {
    pub fn get(&self, url: &Url) -> Option<String> {
        let map = self.0.locked();
        if map.is_empty() {
            return None; // the common case: no server asked for one
        }
        map.get(&url.origin().ascii_serialization()).cloned()
    }

    /// Remember the `DPoP-Nonce` a response carried. Returns whether it is new.
    pub fn remember(&self, url: &Url, headers: &reqwest::header::HeaderMap) -> bool {
        let Some(nonce) = headers
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .filter(|n| !n.is_empty() && n.len() <= 1024)
        else {
            return false;
        };
        let origin = url.origin().ascii_serialization();
        let mut map = self.0.locked();
        if map.get(&origin).map(String::as_str) == Some(nonce) {
            return false;
        }
        map.insert(origin, nonce.to_string());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_is_a_jwt_with_the_claims_rfc_9449_asks_for() {
        let key = Key::generate().unwrap();
        let signer = key.signer().unwrap();
        let url = Url::parse("https://mcp.example.com/mcp?x=1#f").unwrap();
        let proof = signer
            .proof("POST", &url, Some("tok"), Some("n-1"))
            .unwrap();
        let parts: Vec<&str> = proof.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert!(
            header["jwk"].get("d").is_none(),
            "no private key in the header"
        );
        let claims: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://mcp.example.com/mcp");
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(
            claims["ath"],
            B64.encode(Sha256::digest(b"tok")),
            "ath is the token's SHA-256, base64url"
        );
        assert_eq!(B64.decode(parts[2]).unwrap().len(), 64, "ES256 is r||s");
        // The signature verifies with the public key in the header.
        let x = B64.decode(header["jwk"]["x"].as_str().unwrap()).unwrap();
        let y = B64.decode(header["jwk"]["y"].as_str().unwrap()).unwrap();
        let mut point = vec![4u8];
        point.extend(x);
        point.extend(y);
        let public = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
            point,
        );
        let signed = format!("{}.{}", parts[0], parts[1]);
        public
            .verify(signed.as_bytes(), &B64.decode(parts[2]).unwrap())
            .expect("the proof verifies");
        let other = signer.proof("POST", &url, Some("tok"), None).unwrap();
        let jti = |p: &str| -> serde_json::Value {
            serde_json::from_slice(&B64.decode(p.split('.').nth(1).unwrap()).unwrap()).unwrap()
        };
        assert_ne!(
            jti(&proof)["jti"],
            jti(&other)["jti"],
            "every proof is fresh"
        );
    }

    #[test]
    fn a_stored_key_loads_to_the_same_thumbprint_and_never_prints() {
        let key = Key::generate().unwrap();
        let stored = serde_json::to_string(&key).unwrap();
        let back: Key = serde_json::from_str(&stored).unwrap();
        assert_eq!(
            key.signer().unwrap().thumbprint(),
            back.signer().unwrap().thumbprint()
        );
        assert_eq!(format!("{key:?}"), "dpop::Key(redacted)");
    }

    #[test]
    fn dpop_only_when_the_mcp_server_asks_and_the_as_offers_es256() {
        let es = vec!["ES256".to_string()];
        let rs = vec!["RS256".to_string()];
        assert!(
            !wanted(Mode::Auto, false, Some(&es)).unwrap(),
            "the AS alone is not enough"
        );
        assert!(wanted(Mode::Auto, true, Some(&es)).unwrap());
        assert!(!wanted(Mode::Auto, true, Some(&rs)).unwrap());
        assert!(!wanted(Mode::Auto, true, None).unwrap());
        assert!(wanted(Mode::Always, false, Some(&es)).unwrap());
        assert!(wanted(Mode::Always, false, None).is_err());
        assert!(!wanted(Mode::Never, true, Some(&es)).unwrap());
    }
}
