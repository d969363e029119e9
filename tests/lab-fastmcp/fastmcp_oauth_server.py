#!/usr/bin/env python3
"""A FastMCP Streamable HTTP server behind FastMCP's own authorization server.

Built on `fastmcp` 4.1.6 (see requirements.txt): the MCP endpoint, the OAuth
authorization server (`InMemoryOAuthProvider`: /authorize, /token, /register,
RFC 8414 and RFC 9728 metadata) and the bearer check on /mcp are all FastMCP's.
The only hand-written layer is a thin ASGI wrapper that counts the OAuth
requests for `GET /_lab/counters` (see NOTES.md for what the provider does).

    .venv/bin/python fastmcp_oauth_server.py [--port N]

* Binds 127.0.0.1. `--port 0` (default) lets the OS pick. SO_REUSEADDR is set,
  so a restart on the same port works at once. Everything (clients, codes,
  tokens) is in memory: a restart forgets it all.
* Prints exactly one stdout line once listening:
  {"port":N,"url":"http://127.0.0.1:N/mcp","issuer":"http://127.0.0.1:N/"}
  (`issuer` is the one FastMCP advertises in /.well-known/oauth-authorization-server).
* Exits 0 on SIGTERM / SIGINT / stdin EOF (stdin is watched unless it is /dev/null or absent).
* Unknown argument: exit 2.

Lab endpoints (not MCP):
* GET  /_lab/counters        {"registrations","authorizations","token_requests":[...],"refreshes"}
* POST /_lab/reset-counters
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import signal
import socket
import stat
import sys
import threading
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from mcp.server.auth.settings import ClientRegistrationOptions

from fastmcp import FastMCP
from fastmcp.server.auth import require_scopes
from fastmcp.server.auth.providers.in_memory import InMemoryOAuthProvider
from fastmcp.server.dependencies import get_access_token

VALID_SCOPES = ["mcp:read", "mcp:write"]
# Given to a client that registers without `scope` (RFC 7591 registration
# handler: mcp/server/auth/handlers/register.py). NB: a client that then sends
# no `scope` to /authorize still gets a token with NO scopes (see NOTES.md).
DEFAULT_SCOPES = ["mcp:read", "mcp:write"]


def log(msg: str) -> None:
    sys.stderr.write(f"[fastmcp-oauth] {msg}\n")
    sys.stderr.flush()


def build_mcp(base_url: str) -> tuple[FastMCP, InMemoryOAuthProvider]:
    provider = InMemoryOAuthProvider(
        base_url=base_url,
        client_registration_options=ClientRegistrationOptions(
            enabled=True,
            valid_scopes=VALID_SCOPES,
            default_scopes=DEFAULT_SCOPES,
        ),
        # token lifetimes: the provider's defaults (access 3600 s, refresh: no expiry)
    )
    mcp = FastMCP("lab-fastmcp-oauth", auth=provider)

    @mcp.tool
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @mcp.tool(auth=require_scopes("mcp:read"))
    def whoami() -> str:
        """Return the caller's client_id and scopes (needs scope mcp:read)."""
        tok = get_access_token()
        if tok is None:
            return json.dumps({"client_id": None, "scopes": []})
        return json.dumps({"client_id": tok.client_id, "scopes": sorted(tok.scopes)})

    return mcp, provider


# --------------------------------------------------------------------------
# Counters for /register, /authorize, /token (ASGI wrapper)
# --------------------------------------------------------------------------


class Counters:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.registrations = 0
        self.authorizations = 0
        self.token_requests: list[dict[str, Any]] = []
        self.refreshes = 0

    def snapshot(self) -> dict[str, Any]:
        return {
            "registrations": self.registrations,
            "authorizations": self.authorizations,
            "token_requests": [dict(t) for t in self.token_requests],
            "refreshes": self.refreshes,
        }


def _basic_auth(headers: list[tuple[bytes, bytes]]) -> bool:
    for k, v in headers:
        if k.lower() == b"authorization":
            return v[:6].lower() == b"basic "
    return False


def lab_app(inner: Any, counters: Counters) -> Any:
    async def send_json(send: Any, status: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        path = scope.get("path", "")
        method = scope.get("method", "")

        if path.startswith("/_lab/"):
            if path == "/_lab/counters" and method == "GET":
                await send_json(send, 200, counters.snapshot())
            elif path == "/_lab/reset-counters" and method == "POST":
                counters.reset()
                await send_json(send, 200, {"ok": True})
            else:
                await send_json(send, 404, {"error": "unknown lab endpoint"})
            return

        if path == "/register" and method == "POST":
            counters.registrations += 1
        elif path == "/authorize" and method in ("GET", "POST"):
            counters.authorizations += 1

        if not (path == "/token" and method == "POST"):
            await inner(scope, receive, send)
            return

        # /token: read the whole body, look at it, then replay it unchanged.
        chunks: list[bytes] = []
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        form = parse_qs(body.decode("latin-1"), keep_blank_values=True)
        grant_type = (form.get("grant_type") or [None])[0]
        entry: dict[str, Any] = {
            "grant_type": grant_type,
            "client_id_in_body": "client_id" in form,
            "basic_auth": _basic_auth(scope.get("headers", [])),
            "client_secret_in_body": "client_secret" in form,
            "status": None,
        }
        counters.token_requests.append(entry)
        if grant_type == "refresh_token":
            counters.refreshes += 1

        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def counted_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        await inner(scope, replay, counted_send)

    return app


# --------------------------------------------------------------------------
# Process lifetime
# --------------------------------------------------------------------------


class _Server(uvicorn.Server):
    # We own SIGTERM/SIGINT (uvicorn would re-raise the signal after shutdown,
    # which makes the exit code non-zero).
    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield


def _stdin_watchable() -> bool:
    try:
        st = os.fstat(0)
    except OSError:
        return False
    if stat.S_ISCHR(st.st_mode) and not os.isatty(0):
        return False  # /dev/null: would read EOF at once
    return True


async def main_async(args: argparse.Namespace) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", args.port))
    except OSError as exc:
        log(f"listen failed: {exc}")
        sys.exit(2)
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"

    mcp, provider = build_mcp(base_url)
    counters = Counters()
    inner = mcp.http_app(path="/mcp")
    app = lab_app(inner, counters)
    # What /.well-known/oauth-authorization-server says (OAuthProvider.get_routes
    # sets metadata.issuer = self.issuer_url, which defaults to base_url).
    issuer = str(provider.issuer_url)

    config = uvicorn.Config(
        app,
        log_level="warning",
        timeout_graceful_shutdown=1,
        lifespan="on",
    )
    server = _Server(config)
    loop = asyncio.get_running_loop()

    def shutdown(why: str) -> None:
        if server.should_exit:
            return
        log(f"shutting down ({why})")
        server.should_exit = True
        # Never hang on open SSE streams.
        loop.call_later(2.0, lambda: os._exit(0))

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, shutdown, sig.name)

    if _stdin_watchable():

        def watch() -> None:
            try:
                while sys.stdin.buffer.read1(65536):
                    pass
            except Exception:
                pass
            loop.call_soon_threadsafe(shutdown, "stdin closed")

        threading.Thread(target=watch, daemon=True).start()
    else:
        log("stdin is /dev/null or absent: not watching it for EOF")

    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.01)
        line = {"port": port, "url": f"{base_url}/mcp", "issuer": issuer}
        sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
        sys.stdout.flush()
        log(f"listening on {base_url}/mcp (issuer {issuer})")

    announcer = asyncio.create_task(announce())
    await server.serve(sockets=[sock])
    announcer.cancel()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    if args.port < 0 or args.port > 65535:
        p.error("--port needs an integer 0..65535")
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
