#!/usr/bin/env python3
"""A real MCP 2026-07-28 Streamable HTTP server for the mcp-tether tests.

Built on the official Python SDK (`mcp` 2.3.0, see requirements.txt): the MCP
side is `MCPServer` + its own `streamable_http_app()`; nothing here speaks the
protocol by hand. The only hand-written layer is a thin ASGI wrapper that
records every request for `GET /_lab/log` (the same contract as tests/lab).

    .venv/bin/python modern_server.py [--port N] [--json-response]

* Binds 127.0.0.1. `--port 0` (default) lets the OS pick.
* Prints exactly one stdout line once listening: {"port":N,"url":"http://127.0.0.1:N/mcp"}
* Exits 0 on SIGTERM / SIGINT / stdin EOF (stdin is watched unless it is /dev/null or absent).
* Unknown argument: exit 2.

The SDK serves BOTH eras on /mcp: a POST whose `MCP-Protocol-Version` header
is absent or a handshake-era version (<= 2025-11-25) goes to the legacy
(initialize + Mcp-Session-Id) transport; any other value goes to the
2026-07-28 single-exchange entry. See NOTES.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import stat
import sys
import threading
from typing import Annotated, Any

import uvicorn
from pydantic import BaseModel, Field

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp.shared.inbound import decode_header_value

NAME = "lab-py-modern"


def log(*parts: Any) -> None:
    print(f"[{NAME}]", *parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# MCP server (all SDK)
# --------------------------------------------------------------------------

mcp = MCPServer(
    name=NAME,
    version="0.1.0",
    instructions="mcp-tether lab server (Python SDK, protocol 2026-07-28).",
)


@mcp.tool(structured_output=False, description="Returns its `text` argument.")
def echo(text: str) -> str:
    return text


@mcp.tool(structured_output=False, 
    description=(
        "Returns the `region` argument and the Mcp-Param-Region header the request carried "
        "(raw and decoded). `region` is annotated with x-mcp-header: Region."
    )
)
def where(
    region: Annotated[str, Field(description="routing region", json_schema_extra={"x-mcp-header": "Region"})],
    ctx: Context,
) -> str:
    headers = ctx.headers or {}
    raw = headers.get("mcp-param-region")
    return json.dumps(
        {"argument": region, "header": raw, "headerDecoded": decode_header_value(raw)},
        ensure_ascii=False,
        sort_keys=True,
    )


@mcp.tool(structured_output=False, 
    description=(
        "Registers a new tool `name` at runtime (it echoes `text` with a prefix) and publishes "
        "notifications/tools/list_changed to subscriptions/listen streams."
    )
)
async def add_tool(name: str, ctx: Context) -> str:
    def dynamic(text: str) -> str:
        return f"{name}: {text}"

    mcp.add_tool(dynamic, name=name, description=f"runtime tool {name}", structured_output=False)
    await ctx.notify_tools_changed()
    return f"added {name}"


@mcp.tool(structured_output=False, description="Publishes notifications/resources/updated for `uri` to subscribers.")
async def touch_resource(uri: str, ctx: Context) -> str:
    await ctx.notify_resource_updated(uri)
    return f"touched {uri}"


class Answer(BaseModel):
    name: str = Field(default="Ada", description="Your name")
    ok: bool = Field(default=True, description="Proceed?")


def _ask_user(message: str) -> Elicit[Answer]:
    # Resolver: the SDK turns this into an InputRequiredResult on 2026-07-28
    # (and into a standalone elicitation/create request on legacy sessions).
    return Elicit(message, Answer)


@mcp.tool(structured_output=False, 
    description=(
        "Asks the user (form elicitation: name string default Ada, ok boolean default true) via the "
        "2026-07-28 input_required multi-round-trip flow, and returns {action, content} as JSON."
    )
)
def ask(
    message: str,
    answer: Annotated[ElicitationResult[Answer], Resolve(_ask_user)],
) -> str:
    if isinstance(answer, AcceptedElicitation):
        return json.dumps({"action": "accept", "content": answer.data.model_dump()}, sort_keys=True)
    return json.dumps({"action": answer.action}, sort_keys=True)


@mcp.tool(structured_output=False, 
    description=(
        "Sends `count` notifications/progress (needs params._meta.progressToken) and one log "
        "notification per step, then returns 'done <count>'. Over 2026-07-28 these ride the POST's SSE response."
    )
)
async def progress(count: int, ctx: Context) -> str:
    for i in range(1, count + 1):
        await ctx.report_progress(i, count, f"step {i}")
        await ctx.info(f"step {i} of {count}")
        await asyncio.sleep(0.01)
    return f"done {count}"


@mcp.tool(structured_output=False, description="Sleeps `ms` milliseconds, then returns 'slept <ms>'.")
async def slow(ms: int) -> str:
    await asyncio.sleep(ms / 1000)
    return f"slept {ms}"


@mcp.resource("lab://greeting", name="greeting", description="A fixed greeting", mime_type="text/plain")
def greeting() -> str:
    return "hello from lab-py"


@mcp.prompt(description="A prompt that greets `who`.")
def greet(who: str) -> str:
    return f"Please greet {who} warmly."


# --------------------------------------------------------------------------
# Lab wrapper: request log + /_lab endpoints (plain ASGI, not MCP)
# --------------------------------------------------------------------------


class RequestLog:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {k: e[k] for k in ("method", "path", "headers", "body", "status")} for e in self.entries
        ]


async def _send_json(send: Any, status: int, value: Any) -> None:
    body = json.dumps(value).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def lab_app(inner: Any, request_log: RequestLog) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)  # lifespan: runs the SDK session manager
            return
        # Read the whole body once, then replay it to the inner app.
        chunks: list[bytes] = []
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        body = b"".join(chunks)
        path = scope["path"]
        if path.startswith("/_lab/"):
            key = f"{scope['method']} {path}"
            if key == "GET /_lab/log":
                await _send_json(send, 200, request_log.to_json())
            elif key in ("POST /_lab/reset-log", "POST /_lab/reset"):
                request_log.entries.clear()
                await _send_json(send, 200, {"ok": True})
            else:
                await _send_json(send, 404, {"error": f"no lab endpoint {key}"})
            return

        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        full_path = path + (("?" + scope["query_string"].decode("latin-1")) if scope.get("query_string") else "")
        headers: dict[str, str] = {}
        for k, v in scope["headers"]:
            name = k.decode("latin-1").lower()
            val = v.decode("latin-1")
            headers[name] = f"{headers[name]}, {val}" if name in headers else val
        entry = {"method": scope["method"], "path": full_path, "headers": headers, "body": parsed, "status": None}
        request_log.entries.append(entry)

        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def logged_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        await inner(scope, replay, logged_send)

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
    request_log = RequestLog()
    inner = mcp.streamable_http_app(json_response=args.json_response)
    app = lab_app(inner, request_log)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", args.port))
    except OSError as exc:
        log(f"listen failed: {exc}")
        sys.exit(2)
    port = sock.getsockname()[1]

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
        sys.stdout.write(json.dumps({"port": port, "url": f"http://127.0.0.1:{port}/mcp"}, separators=(",", ":")) + "\n")
        sys.stdout.flush()
        log(f"listening on http://127.0.0.1:{port}/mcp")

    announcer = asyncio.create_task(announce())
    await server.serve(sockets=[sock])
    announcer.cancel()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--json-response", action="store_true", help="answer POSTs with application/json, not SSE")
    args = p.parse_args()
    if args.port < 0:
        p.error("--port needs a non-negative integer")
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
