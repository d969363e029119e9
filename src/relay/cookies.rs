//! Cookies the MCP server sets, sent back to it. Load balancers (AWS ALB,
//! Azure Application Gateway…) keep an MCP session on one backend with a
//! cookie the client must return; without it a session lands on a node that
//! never heard of it. In memory only, for the life of the process. Every
//! request the relay makes goes to the server's own origin, so a cookie can't
//! travel anywhere else and `Domain`/`Path` need no matching. `Max-Age=0`
//! (or less) removes a cookie; `Expires` is not read: nothing outlives the
//! process anyway.

use crate::locked::Locked;
use std::sync::Mutex;

use reqwest::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE};

/// At most this many cookies, and this long a `name=value`: a hostile server
/// can't grow the jar or the request headers without bound.
const MAX_COOKIES: usize = 32;
const MAX_PAIR_BYTES: usize = 4096;

#[derive(Debug, Default)]
pub struct CookieJar {
    /// `(name, name=value)` in the order first set.
    pairs: Mutex<Vec<(String, String)>>,
}

impl CookieJar {
    /// Take in the `Set-Cookie` headers of a response.
    pub fn remember(&self, headers: &HeaderMap) {
        let mut set = headers.get_all(SET_COOKIE).iter().peekable();
        if set.peek().is_none() {
            return;
        }
        let mut pairs = self.pairs.locked();
        for value in set {
            let Some(cookie) = value.to_str().ok().and_then(SetCookie::parse) else {
                continue;
            };
            let at = pairs.iter().position(|(name, _)| *name == cookie.name);
            match (at, cookie.expired) {
                (Some(i), true) => {
                    pairs.remove(i);
                }
                (Some(i), false) => pairs[i].1 = cookie.pair,
                (None, false) if pairs.len() < MAX_COOKIES => {
                    pairs.push((cookie.name, cookie.pair))
                }
                (None, _) => {}
            }
        }
    }

    /// The `Cookie` header to send, if the server set any.
    pub fn header(&self) -> Option<HeaderValue> {
        let pairs = self.pairs.locked();
        if pairs.is_empty() {
            return None;
        }
        let joined = pairs
            .iter()
            .map(|(_, pair)| pair.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        HeaderValue::from_str(&joined).ok()
    }
}

/// Send the jar's cookies (if there is a jar, and it holds any) with `req`.
pub fn attach(jar: Option<&CookieJar>, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match jar.and_then(CookieJar::header) {
        Some(cookie) => req.header(COOKIE, cookie),
        None => req,
    }
}

/// Keep the cookies a response set (if there is a jar).
pub fn remember(jar: Option<&CookieJar>, headers: &HeaderMap) {
    if let Some(jar) = jar {
        jar.remember(headers);
    }
}

struct SetCookie {
    name: String,
    pair: String,
    expired: bool,
}

impl SetCookie {
    /// `name=value; Attr=…; …` (RFC 6265 §5.2, the parts a jar for one origin needs).
    fn parse(header: &str) -> Option<SetCookie> {
        let mut parts = header.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let (name, value) = (name.trim(), value.trim());
        let valid = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
        };
        if name.is_empty() || !valid(name) || !valid(value) {
            return None;
        }
        let pair = format!("{name}={value}");
        if pair.len() > MAX_PAIR_BYTES {
            return None;
        }
        let expired = parts.any(|attr| {
            attr.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("max-age")
                    && v.trim().parse::<i64>().is_ok_and(|secs| secs <= 0)
            })
        });
        Some(SetCookie {
            name: name.to_string(),
            pair,
            expired,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(set: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for s in set {
            h.append(SET_COOKIE, HeaderValue::from_str(s).unwrap());
        }
        h
    }

    #[test]
    fn keeps_replaces_and_removes_cookies_by_name() {
        let jar = CookieJar::default();
        assert_eq!(jar.header(), None);
        jar.remember(&response(&[
            "AWSALB=node1; Expires=Tue, 01 Dec 2026 00:00:00 GMT; Path=/",
            "other=x; HttpOnly; Secure",
        ]));
        assert_eq!(jar.header().unwrap(), "AWSALB=node1; other=x");
        jar.remember(&response(&["AWSALB=node2; Path=/"]));
        assert_eq!(jar.header().unwrap(), "AWSALB=node2; other=x");
        jar.remember(&response(&["other=; Max-Age=0"]));
        assert_eq!(jar.header().unwrap(), "AWSALB=node2");
    }

    #[test]
    fn ignores_malformed_and_oversized_cookies_and_caps_the_count() {
        let jar = CookieJar::default();
        let big = format!("big={}", "a".repeat(MAX_PAIR_BYTES));
        jar.remember(&response(&[
            "no-equals-sign",
            "=nameless",
            "sp ace=1",
            &big,
        ]));
        assert_eq!(jar.header(), None);
        let many: Vec<String> = (0..100).map(|i| format!("c{i}=v")).collect();
        jar.remember(&response(
            &many.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
        assert_eq!(
            jar.header().unwrap().to_str().unwrap().matches('=').count(),
            MAX_COOKIES
        );
    }
}
