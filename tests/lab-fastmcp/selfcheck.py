#!/usr/bin/env python3
"""Self-check for fastmcp_oauth_server.py (no mcp-tether involved).

    .venv/bin/python selfcheck.py        # from tests/lab-fastmcp, after setup.sh

Starts the server, then acts as the OAuth client and the MCP client by hand
(stdlib http.client only), printing each exchange. Checks:
discovery (401 -> RFC 9728 -> RFC 8414), DCR, /authorize with PKCE S256 (no
consent page: 302 straight to the redirect_uri), three ways to authenticate a
client_secret_basic client at /token, client_secret_post and `none` clients,
MCP over Streamable HTTP with the token, scope-gated tool, refresh (rotation),
/_lab/counters, and a restart on the same port forgetting everything.
Exits 1 on the first unexpected result; ends with "all ok".
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fastmcp_oauth_server.py")
REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: we read Location

FAILS = 0


def check(cond: bool, what: str) -> None:
    global FAILS
    print(("  ok   " if cond else "  FAIL ") + what, flush=True)
    if not cond:
        FAILS += 1
        raise SystemExit(f"selfcheck: FAILED: {what}")


def show(label: str, obj: Any) -> None:
    text = obj if isinstance(obj, str) else json.dumps(obj, sort_keys=True)
    if len(text) > 600:
        text = text[:600] + "…"
    print(f"  {label}: {text}", flush=True)


class Resp:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Resp:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


def path_of(url: str) -> str:
    u = urlparse(url)
    return u.path + (("?" + u.query) if u.query else "")


# --------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------


def start_server(port: int = 0) -> tuple[subprocess.Popen, dict]:
    p = subprocess.Popen(
        [sys.executable, SERVER, "--port", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
    )
    line = p.stdout.readline()
    check(bool(line), "server printed its announce line")
    ann = json.loads(line)
    return p, ann


def stop_server(p: subprocess.Popen, how: str = "SIGTERM") -> int:
    if how == "SIGTERM":
        p.send_signal(signal.SIGTERM)
    else:
        p.stdin.close()
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    rest = p.stdout.read()
    check(rest == "", f"no further stdout after the announce line (got {rest!r})")
    return rc


# --------------------------------------------------------------------------
# OAuth helpers
# --------------------------------------------------------------------------


def register(port: int, method: str | None, scope: str | None = None) -> Resp:
    meta: dict[str, Any] = {
        "client_name": f"selfcheck-{method}",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    }
    if method is not None:
        meta["token_endpoint_auth_method"] = method
    if scope is not None:
        meta["scope"] = scope
    return request(port, "POST", "/register", json.dumps(meta).encode(), {"content-type": "application/json"})


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize(port: int, client_id: str, challenge: str, scope: str | None, resource: str) -> Resp:
    q = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-" + secrets.token_hex(4),
        "resource": resource,
    }
    if scope is not None:
        q["scope"] = scope
    r = request(port, "GET", "/authorize?" + urlencode(q))
    r.state = q["state"]  # type: ignore[attr-defined]
    return r


def get_code(port: int, client_id: str, scope: str | None, resource: str) -> tuple[str, str]:
    verifier, challenge = pkce()
    r = authorize(port, client_id, challenge, scope, resource)
    check(r.status == 302, f"/authorize answers 302 at once (got {r.status})")
    loc = r.headers.get("location", "")
    check(loc.startswith(REDIRECT + "?"), f"Location goes to the redirect_uri: {loc[:80]}…")
    qs = parse_qs(urlparse(loc).query)
    check(qs.get("state") == [r.state], "state echoed")  # type: ignore[attr-defined]
    check("code" in qs, "code present")
    return qs["code"][0], verifier


def basic(cid: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()


def token(port: int, form: dict[str, str], auth: str | None = None) -> Resp:
    h = {"content-type": "application/x-www-form-urlencoded"}
    if auth:
        h["authorization"] = auth
    return request(port, "POST", "/token", urlencode(form).encode(), h)


# --------------------------------------------------------------------------
# MCP helpers (Streamable HTTP, handshake era 2025-11-25)
# --------------------------------------------------------------------------


class Mcp:
    def __init__(self, port: int, tok: str):
        self.port = port
        self.tok = tok
        self.session: str | None = None
        self.next_id = 1

    def post(self, msg: dict) -> Resp:
        h = {
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "authorization": f"Bearer {self.tok}",
            "mcp-protocol-version": "2025-11-25",
        }
        if self.session:
            h["mcp-session-id"] = self.session
        return request(self.port, "POST", "/mcp", json.dumps(msg).encode(), h)

    def call(self, method: str, params: dict | None = None) -> tuple[Resp, Any]:
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}
        self.next_id += 1
        r = self.post(msg)
        return r, parse_rpc(r, msg["id"])

    def notify(self, method: str) -> Resp:
        return self.post({"jsonrpc": "2.0", "method": method})


def parse_rpc(r: Resp, want_id: int) -> Any:
    ctype = r.headers.get("content-type", "")
    if r.status != 200:
        return None
    if ctype.startswith("application/json"):
        return r.json()
    if ctype.startswith("text/event-stream"):
        for block in r.text.replace("\r\n", "\n").split("\n\n"):
            data = "\n".join(l[5:].lstrip() for l in block.split("\n") if l.startswith("data:"))
            if not data:
                continue
            obj = json.loads(data)
            if obj.get("id") == want_id:
                return obj
    return None


# --------------------------------------------------------------------------


def main() -> None:
    print("== start", flush=True)
    p, ann = start_server(0)
    show("announce", ann)
    port = ann["port"]
    check(set(ann) == {"port", "url", "issuer"}, "announce has port,url,issuer")
    check(ann["url"] == f"http://127.0.0.1:{port}/mcp", "announce url")

    print("== discovery", flush=True)
    r = request(port, "POST", "/mcp", b"{}", {"content-type": "application/json", "accept": "application/json, text/event-stream"})
    show("401 WWW-Authenticate", r.headers.get("www-authenticate", ""))
    show("401 body", r.text)
    check(r.status == 401, "unauthenticated /mcp -> 401")
    wa = r.headers.get("www-authenticate", "")
    check('resource_metadata="' in wa, "WWW-Authenticate carries resource_metadata")
    prm_url = wa.split('resource_metadata="', 1)[1].split('"', 1)[0]
    prm = request(port, "GET", path_of(prm_url))
    check(prm.status == 200, f"PRM at {path_of(prm_url)} -> 200")
    prm_j = prm.json()
    show("PRM", prm_j)
    check(prm_j["resource"] == ann["url"], "PRM resource == MCP URL")
    as_issuer = prm_j["authorization_servers"][0]
    check(as_issuer == ann["issuer"], "PRM authorization_servers[0] == announced issuer")
    asm = request(port, "GET", "/.well-known/oauth-authorization-server")
    check(asm.status == 200, "RFC 8414 metadata -> 200")
    meta = asm.json()
    show("AS metadata", meta)
    check(meta["issuer"] == ann["issuer"], "metadata issuer == announced issuer")
    oidc = request(port, "GET", "/.well-known/openid-configuration")
    show("/.well-known/openid-configuration status", str(oidc.status))
    ins = request(port, "GET", "/.well-known/oauth-authorization-server/")
    show("/.well-known/oauth-authorization-server/ (trailing slash) status", str(ins.status))
    check(meta["token_endpoint_auth_methods_supported"] == ["client_secret_post", "client_secret_basic"],
          "token_endpoint_auth_methods_supported = [client_secret_post, client_secret_basic] (no 'none')")

    print("== DCR", flush=True)
    regs: dict[str, dict] = {}
    for m in ["client_secret_basic", "client_secret_post", "none", None]:
        r = register(port, m)
        j = r.json()
        regs[str(m)] = j
        show(f"register asked {m!r} -> {r.status}", {k: j.get(k) for k in (
            "token_endpoint_auth_method", "client_secret", "client_secret_expires_at", "scope",
            "registration_client_uri", "registration_access_token")} | {"keys": sorted(j)})
        check(r.status == 201, f"register {m!r} -> 201")
        check("registration_client_uri" not in j and "registration_access_token" not in j,
              "no registration_client_uri / registration_access_token")
    check(regs["client_secret_basic"]["token_endpoint_auth_method"] == "client_secret_basic", "basic kept")
    check(regs["client_secret_post"]["token_endpoint_auth_method"] == "client_secret_post", "post kept")
    check(regs["none"]["token_endpoint_auth_method"] == "none" and regs["none"].get("client_secret") is None,
          "none kept, no secret")
    check(regs["None"]["token_endpoint_auth_method"] == "client_secret_post", "omitted -> client_secret_post")
    check(regs["client_secret_basic"]["scope"] == "mcp:read mcp:write", "no scope asked -> default scopes")
    r = register(port, "client_secret_basic", scope="admin")
    show(f"register with scope 'admin' -> {r.status}", r.json())
    check(r.status == 400, "invalid scope at registration -> 400")
    r = register(port, "private_key_jwt")
    show(f"register private_key_jwt -> {r.status}", r.json())

    cb = regs["client_secret_basic"]
    cid, csec = cb["client_id"], cb["client_secret"]
    res = ann["url"]
    scope = "mcp:read mcp:write"

    print("== authorize (unknown client)", flush=True)
    _, ch = pkce()
    r = authorize(port, "no-such-client", ch, scope, res)
    show(f"unknown client_id /authorize -> {r.status} {r.headers.get('content-type')}", r.text)
    check(r.status == 400, "unknown client at /authorize -> 400 (JSON, no redirect)")
    r = request(port, "GET", "/authorize?" + urlencode({"response_type": "code", "client_id": cid,
                "redirect_uri": "http://127.0.0.1:9/other", "code_challenge": ch, "code_challenge_method": "S256"}))
    show(f"unregistered redirect_uri /authorize -> {r.status}", r.text)

    print("== token exchange (client registered as client_secret_basic)", flush=True)
    results: dict[str, int] = {}
    # (a) Basic only, no client_id in the body
    code, ver = get_code(port, cid, scope, res)
    ra = token(port, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                      "code_verifier": ver, "resource": res}, auth=basic(cid, csec))
    show(f"(a) Basic only -> {ra.status}", ra.text)
    results["a_basic_only"] = ra.status
    # (b) client_secret_post (client_id + client_secret in body, no Basic)
    code, ver = get_code(port, cid, scope, res)
    rb = token(port, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                      "code_verifier": ver, "resource": res, "client_id": cid, "client_secret": csec})
    show(f"(b) client_secret_post -> {rb.status}", rb.text)
    results["b_secret_post"] = rb.status
    # (c) Basic AND client_id in body
    code, ver = get_code(port, cid, scope, res)
    rc = token(port, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                      "code_verifier": ver, "resource": res, "client_id": cid}, auth=basic(cid, csec))
    show(f"(c) Basic + client_id in body -> {rc.status}", rc.text)
    results["c_basic_plus_body_id"] = rc.status
    check(ra.status == 401 and ra.json().get("error") == "invalid_client", "(a) -> 401 invalid_client (Missing client_id)")
    check(rb.status == 401 and rb.json().get("error") == "invalid_client", "(b) -> 401 invalid_client (basic client must use Basic)")
    check(rc.status == 200, "(c) -> 200")
    toks = rc.json()
    check(toks.get("token_type") == "Bearer" and toks.get("expires_in") == 3600 and "refresh_token" in toks,
          "token response: Bearer, expires_in 3600, refresh_token")
    check(toks.get("scope") == scope, "granted scope == requested")

    print("== other client kinds", flush=True)
    cp = regs["client_secret_post"]
    code, ver = get_code(port, cp["client_id"], scope, res)
    r = token(port, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": ver,
                     "client_id": cp["client_id"], "client_secret": cp["client_secret"]})
    show(f"post client, client_secret_post -> {r.status}", r.text[:120])
    check(r.status == 200, "client_secret_post client with secret in body -> 200")
    code, ver = get_code(port, cp["client_id"], scope, res)
    r = token(port, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": ver,
                     "client_id": cp["client_id"]}, auth=basic(cp["client_id"], cp["client_secret"]))
    show(f"post client, Basic + client_id in body -> {r.status}", r.text[:160])
    cn = regs["none"]
    code, ver = get_code(port, cn["client_id"], scope, res)
    r = token(port, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": ver,
                     "client_id": cn["client_id"]})
    show(f"none client, client_id only -> {r.status}", r.text[:120])
    check(r.status == 200, "public (none) client -> 200")
    # no scope at /authorize
    code, ver = get_code(port, cn["client_id"], None, res)
    r = token(port, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": ver,
                     "client_id": cn["client_id"]})
    show(f"no scope at /authorize -> {r.status}", r.text)
    noscope_tok = r.json()["access_token"]
    check(r.json().get("scope") == "", "no scope at /authorize -> token with empty scope")
    # scope the client didn't register
    cs = register(port, "none", scope="mcp:read").json()
    _, ch = pkce()
    r = authorize(port, cs["client_id"], ch, "mcp:write", res)
    show(f"scope outside registration -> {r.status}", r.headers.get("location", r.text))

    print("== MCP with the token", flush=True)
    m = Mcp(port, toks["access_token"])
    r, j = m.call("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "selfcheck", "version": "0"}})
    m.session = r.headers.get("mcp-session-id")
    show(f"initialize -> {r.status} {r.headers.get('content-type')} session={m.session}", j)
    check(r.status == 200 and j and "result" in j, "initialize ok")
    r2 = m.notify("notifications/initialized")
    check(r2.status == 202, f"notifications/initialized -> 202 (got {r2.status})")
    r, j = m.call("tools/list")
    names = sorted(t["name"] for t in j["result"]["tools"])
    show("tools/list", names)
    check(names == ["echo", "whoami"], "tools/list = echo, whoami")
    r, j = m.call("tools/call", {"name": "echo", "arguments": {"text": "héllo"}})
    show("tools/call echo", j["result"])
    check(j["result"]["content"][0]["text"] == "héllo" and not j["result"].get("isError"), "echo returns the text")
    r, j = m.call("tools/call", {"name": "whoami", "arguments": {}})
    show("tools/call whoami", j["result"])
    check(json.loads(j["result"]["content"][0]["text"])["client_id"] == cid, "whoami sees the client_id")

    m2 = Mcp(port, noscope_tok)
    r, j = m2.call("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                  "clientInfo": {"name": "selfcheck", "version": "0"}})
    m2.session = r.headers.get("mcp-session-id")
    m2.notify("notifications/initialized")
    r, j = m2.call("tools/list")
    show("no-scope token: tools/list", sorted(t["name"] for t in j["result"]["tools"]))
    r, j = m2.call("tools/call", {"name": "whoami", "arguments": {}})
    show(f"no-scope token: whoami -> HTTP {r.status} www-authenticate={r.headers.get('www-authenticate')!r}", j if j else r.text)
    r, j = m2.call("tools/call", {"name": "echo", "arguments": {"text": "x"}})
    check(j and j["result"]["content"][0]["text"] == "x", "no-scope token can still call echo")

    print("== refresh", flush=True)
    rr = token(port, {"grant_type": "refresh_token", "refresh_token": toks["refresh_token"], "client_id": cid},
               auth=basic(cid, csec))
    show(f"refresh (Basic + client_id) -> {rr.status}", rr.text[:200])
    check(rr.status == 200, "refresh -> 200")
    new = rr.json()
    check(new["refresh_token"] != toks["refresh_token"], "refresh token rotated")
    r = token(port, {"grant_type": "refresh_token", "refresh_token": toks["refresh_token"], "client_id": cid},
              auth=basic(cid, csec))
    show(f"old refresh token again -> {r.status}", r.text)
    check(r.status == 401 and r.json()["error"] == "invalid_grant", "old refresh token -> 401 invalid_grant")
    r, _ = m.call("tools/list")
    show(f"old access token on /mcp -> {r.status}", r.headers.get("www-authenticate", ""))
    check(r.status == 401, "old access token revoked by the refresh")
    r = token(port, {"grant_type": "refresh_token", "refresh_token": new["refresh_token"]}, auth=basic(cid, csec))
    show(f"refresh with Basic only -> {r.status}", r.text)
    check(r.status == 401, "refresh with Basic only (no client_id) -> 401")

    print("== counters", flush=True)
    c = request(port, "GET", "/_lab/counters").json()
    show("counters", {k: v for k, v in c.items() if k != "token_requests"})
    for t in c["token_requests"]:
        show("  token_request", t)
    check(c["token_requests"][0] == {"grant_type": "authorization_code", "client_id_in_body": False,
                                     "basic_auth": True, "client_secret_in_body": False, "status": 401},
          "counter entry for (a)")
    check(c["refreshes"] == 3, "3 refresh requests counted")
    check(request(port, "POST", "/_lab/reset-counters").status == 200, "reset-counters")
    c = request(port, "GET", "/_lab/counters").json()
    check(c == {"registrations": 0, "authorizations": 0, "token_requests": [], "refreshes": 0}, "counters reset")

    print("== restart on the same port", flush=True)
    rc_exit = stop_server(p, "SIGTERM")
    check(rc_exit == 0, f"SIGTERM -> exit 0 (got {rc_exit})")
    t0 = time.monotonic()
    p, ann2 = start_server(port)
    show(f"restarted in {time.monotonic() - t0:.2f}s", ann2)
    check(ann2["port"] == port, "same port")
    r = token(port, {"grant_type": "refresh_token", "refresh_token": new["refresh_token"], "client_id": cid},
              auth=basic(cid, csec))
    show(f"old client at /token -> {r.status}", r.text)
    check(r.status == 401 and r.json()["error"] == "invalid_client", "old client_id unknown at /token -> 401 invalid_client")
    r = token(port, {"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT, "code_verifier": "x" * 43,
                     "client_id": cn["client_id"]})
    show(f"old public client at /token -> {r.status}", r.text)
    _, ch = pkce()
    r = authorize(port, cid, ch, scope, res)
    show(f"old client at /authorize -> {r.status} {r.headers.get('content-type')}", r.text)
    check(r.status == 400 and r.json()["error"] == "invalid_request", "old client_id unknown at /authorize -> 400 invalid_request")
    m3 = Mcp(port, new["access_token"])
    r, _ = m3.call("tools/list")
    show(f"old access token on /mcp -> {r.status}", r.headers.get("www-authenticate", ""))
    check(r.status == 401, "old access token unknown after restart")
    c = request(port, "GET", "/_lab/counters").json()
    check(len(c["token_requests"]) == 2 and c["authorizations"] == 1, "fresh counters after restart")

    print("== stdin EOF", flush=True)
    rc_exit = stop_server(p, "stdin")
    check(rc_exit == 0, f"stdin EOF -> exit 0 (got {rc_exit})")

    print("== summary", flush=True)
    show("token exchange statuses", results)
    print("all ok", flush=True)


if __name__ == "__main__":
    main()
