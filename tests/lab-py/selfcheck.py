#!/usr/bin/env python3
"""Self-check for modern_server.py, using plain HTTP (http.client) only.

    bash tests/lab-py/setup.sh && tests/lab-py/.venv/bin/python tests/lab-py/selfcheck.py [-q]

Starts the server (piped stdin), performs every exchange below, prints each
raw HTTP exchange (request line + headers + body, response status + headers +
body) as the reference for the Rust client, checks the answers, and ends with
'N passed, 0 failed'. Exit code 0 only when every check passed.
`-q` prints only the check lines.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VERSION = "2026-07-28"
QUIET = "-q" in sys.argv[1:]

META = {
    "io.modelcontextprotocol/protocolVersion": VERSION,
    "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
    "io.modelcontextprotocol/clientInfo": {"name": "lab-py-selfcheck", "version": "0.0.1"},
}

passed = 0
failed = 0


def out(text: str = "") -> None:
    if not QUIET:
        print(text, flush=True)


def check(cond: bool, what: str) -> None:
    global passed, failed
    if cond:
        passed += 1
        print(f"  ok   {what}", flush=True)
    else:
        failed += 1
        print(f"  FAIL {what}", flush=True)


def section(title: str) -> None:
    out()
    print(f"=== {title}", flush=True)


class Resp:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self) -> Any:
        return json.loads(self.body)

    def sse_messages(self) -> list[dict[str, Any]]:
        return parse_sse(self.body.decode())

    def message(self) -> dict[str, Any]:
        """The JSON-RPC response, whether the body is JSON or SSE."""
        if (self.header("content-type") or "").startswith("text/event-stream"):
            msgs = [m for m in self.sse_messages() if "id" in m and ("result" in m or "error" in m)]
            return msgs[-1]
        return self.json()


def parse_sse(text: str) -> list[dict[str, Any]]:
    msgs = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip() for line in block.split("\n") if line.startswith("data:")]
        if data and "".join(data).strip():
            msgs.append(json.loads("\n".join(data)))
    return msgs


def show_request(method: str, path: str, headers: dict[str, str], body: bytes | None) -> None:
    out(f">>> {method} {path} HTTP/1.1")
    for k, v in headers.items():
        out(f">>> {k}: {v}")
    out(">>>")
    if body:
        out(f">>> {body.decode()}")


def show_response(status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> None:
    out(f"<<< HTTP/1.1 {status} {reason}")
    for k, v in headers:
        if k.lower() in ("date", "server"):
            continue
        out(f"<<< {k}: {v}")
    out("<<<")
    text = body.decode(errors="replace")
    for line in text.rstrip("\n").split("\n") if text else []:
        out(f"<<< {line.rstrip(chr(13))}")


def xchg(
    port: int,
    method: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    path: str = "/mcp",
    show: bool = True,
) -> Resp:
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode() if body is not None else None
    hdrs = dict(headers or {})
    if raw is not None:
        hdrs.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    if show:
        show_request(method, path, {"Host": f"127.0.0.1:{port}", **hdrs}, raw)
    conn.request(method, path, body=raw, headers=hdrs)
    r = conn.getresponse()
    data = r.read()
    if show:
        show_response(r.status, r.reason, r.getheaders(), data)
    conn.close()
    return Resp(r.status, r.getheaders(), data)


def modern_headers(method: str, name: str | None = None, **extra: str) -> dict[str, str]:
    h = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": VERSION,
        "Mcp-Method": method,
    }
    if name is not None:
        h["Mcp-Name"] = name
    h.update(extra)
    return h


def rpc(id_: int, method: str, params: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> dict:
    p = dict(params or {})
    p["_meta"] = {**META, **(meta or {})}
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": p}


def encode_header_value(value: str) -> str:
    """The spec's Mcp-Param / Mcp-Name value encoding (same rule as the SDK's encoder)."""
    safe = all(0x20 <= ord(c) <= 0x7E for c in value) and value == value.strip()
    if safe and not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    return "=?base64?" + base64.b64encode(value.encode()).decode() + "?="


class Listener(threading.Thread):
    """A subscriptions/listen POST whose SSE response is read incrementally."""

    def __init__(self, port: int, body: dict, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.port, self.body, self.headers = port, body, headers
        self.events: list[dict[str, Any]] = []
        self.raw_lines: list[str] = []
        self.status: int | None = None
        self.resp_headers: list[tuple[str, str]] = []
        self.cond = threading.Condition()
        self.conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        raw = json.dumps(self.body, separators=(",", ":")).encode()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.request("POST", "/mcp", body=raw, headers={"Content-Type": "application/json", **self.headers})
        r = self.conn.getresponse()
        with self.cond:
            self.status = r.status
            self.resp_headers = r.getheaders()
            self.cond.notify_all()
        data: list[str] = []
        try:
            while True:
                line = r.readline()
                if not line:
                    break
                s = line.decode().rstrip("\r\n")
                with self.cond:
                    self.raw_lines.append(s)
                if s.startswith("data:"):
                    data.append(s[5:].lstrip())
                elif s == "" and data:
                    msg = json.loads("\n".join(data))
                    data = []
                    with self.cond:
                        self.events.append(msg)
                        self.cond.notify_all()
        except Exception:
            pass

    def wait_for(self, pred, timeout: float = 10.0) -> dict[str, Any] | None:
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for e in self.events:
                    if pred(e):
                        return e
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def close(self) -> None:
        if self.conn is not None and self.conn.sock is not None:
            try:
                self.conn.sock.shutdown(2)
            except OSError:
                pass
            self.conn.close()


def main() -> int:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "modern_server.py"), "--port", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if QUIET else None,
    )
    try:
        line = proc.stdout.readline().decode()
        announce = json.loads(line)
        port = announce["port"]
        section(f"server announced: {line.strip()}")
        check(announce["url"] == f"http://127.0.0.1:{port}/mcp", "announce line has port + url")
        run_checks(port)
    finally:
        # Contract: closing stdin ends the server with exit code 0.
        proc.stdin.close()
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
    section("shutdown")
    check(rc == 0, f"server exits 0 on stdin EOF (rc={rc})")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


def run_checks(port: int) -> None:
    section("server/discover")
    r = xchg(port, "POST", rpc(1, "server/discover"), modern_headers("server/discover"))
    m = r.json()
    check(r.status == 200 and r.header("content-type") == "application/json", "discover: 200 application/json")
    check(m["result"]["supportedVersions"] == [VERSION], "discover: supportedVersions == [2026-07-28]")
    check(m["result"]["resultType"] == "complete", "discover: resultType complete")
    check("tools" in m["result"]["capabilities"], "discover: capabilities.tools")
    check(
        m["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "lab-py-modern",
        "discover: serverInfo rides result._meta",
    )

    section("tools/list")
    r = xchg(port, "POST", rpc(2, "tools/list"), modern_headers("tools/list"))
    tools = {t["name"]: t for t in r.json()["result"]["tools"]}
    check({"echo", "where", "add_tool", "ask", "progress"} <= set(tools), "tools/list: lab tools present")
    check(
        tools["where"]["inputSchema"]["properties"]["region"].get("x-mcp-header") == "Region",
        "tools/list: where.region carries x-mcp-header: Region",
    )

    section("tools/call echo (correct 2026-07-28 shape)")
    r = xchg(
        port,
        "POST",
        rpc(3, "tools/call", {"name": "echo", "arguments": {"text": "hello"}}),
        modern_headers("tools/call", "echo"),
    )
    m = r.json()
    check(r.status == 200, "echo: 200")
    check(m["result"]["content"][0]["text"] == "hello", "echo: text returned")
    check(r.header("mcp-session-id") is None, "echo: no Mcp-Session-Id on the modern path")

    section("tools/call where: Mcp-Param-Region mirrored from x-mcp-header")
    r = xchg(
        port,
        "POST",
        rpc(4, "tools/call", {"name": "where", "arguments": {"region": "eu-west-1"}}),
        modern_headers("tools/call", "where", **{"Mcp-Param-Region": "eu-west-1"}),
    )
    got = json.loads(r.json()["result"]["content"][0]["text"])
    check(got == {"argument": "eu-west-1", "header": "eu-west-1", "headerDecoded": "eu-west-1"}, "where: ascii mirror")

    zur = "Zürich ☃"
    enc = encode_header_value(zur)
    r = xchg(
        port,
        "POST",
        rpc(5, "tools/call", {"name": "where", "arguments": {"region": zur}}),
        modern_headers("tools/call", "where", **{"Mcp-Param-Region": enc}),
    )
    got = json.loads(r.json()["result"]["content"][0]["text"])
    check(enc.startswith("=?base64?") and got["header"] == enc and got["headerDecoded"] == zur, "where: non-ASCII via =?base64?..?=")

    section("HeaderMismatch: Mcp-Param-Region disagrees with the body")
    r = xchg(
        port,
        "POST",
        rpc(6, "tools/call", {"name": "where", "arguments": {"region": "eu-west-1"}}),
        modern_headers("tools/call", "where", **{"Mcp-Param-Region": "us-east-1"}),
    )
    check(r.status == 400 and r.json()["error"]["code"] == -32020, "param mismatch: 400, -32020")

    section("HeaderMismatch: Mcp-Param-Region missing although the argument is present")
    r = xchg(
        port,
        "POST",
        rpc(7, "tools/call", {"name": "where", "arguments": {"region": "eu-west-1"}}),
        modern_headers("tools/call", "where"),
    )
    check(r.status == 400 and r.json()["error"]["code"] == -32020, "param header missing: 400, -32020")

    section("HeaderMismatch: Mcp-Name disagrees with params.name")
    r = xchg(
        port,
        "POST",
        rpc(8, "tools/call", {"name": "echo", "arguments": {"text": "x"}}),
        modern_headers("tools/call", "slow"),
    )
    check(r.status == 400 and r.json()["error"]["code"] == -32020, "Mcp-Name mismatch: 400, -32020")

    section("HeaderMismatch: Mcp-Method missing")
    h = modern_headers("tools/call", "echo")
    del h["Mcp-Method"]
    r = xchg(port, "POST", rpc(9, "tools/call", {"name": "echo", "arguments": {"text": "x"}}), h)
    check(r.status == 400 and r.json()["error"]["code"] == -32020, "Mcp-Method missing: 400, -32020")

    section("HeaderMismatch: MCP-Protocol-Version header differs from _meta version")
    r = xchg(
        port,
        "POST",
        rpc(10, "tools/call", {"name": "echo", "arguments": {"text": "x"}}, {"io.modelcontextprotocol/protocolVersion": "2099-01-01"}),
        modern_headers("tools/call", "echo"),
    )
    check(r.status == 400 and r.json()["error"]["code"] == -32020, "version header != _meta: 400, -32020")

    section("Missing _meta envelope (headers fine)")
    body = {"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "x"}}}
    r = xchg(port, "POST", body, modern_headers("tools/call", "echo"))
    check(r.status == 400 and r.json()["error"]["code"] == -32602, "no _meta: 400, -32602")

    section("Unsupported protocol version (header and _meta agree)")
    r = xchg(
        port,
        "POST",
        rpc(12, "server/discover", meta={"io.modelcontextprotocol/protocolVersion": "2099-01-01"}),
        {**modern_headers("server/discover"), "MCP-Protocol-Version": "2099-01-01"},
    )
    e = r.json()["error"]
    check(
        r.status == 400 and e["code"] == -32022 and e["data"] == {"supported": [VERSION], "requested": "2099-01-01"},
        "unsupported version: 400, -32022, data {supported, requested}",
    )

    section("Unknown method")
    r = xchg(port, "POST", rpc(13, "nope/nope"), modern_headers("nope/nope"))
    check(r.status == 404 and r.json()["error"]["code"] == -32601, "unknown method: 404, -32601")

    section("initialize sent the modern way (MCP-Protocol-Version: 2026-07-28)")
    r = xchg(
        port,
        "POST",
        rpc(14, "initialize", {"protocolVersion": VERSION, "capabilities": {}, "clientInfo": {"name": "x", "version": "0"}}),
        modern_headers("initialize"),
    )
    check(r.status == 404 and r.json()["error"]["code"] == -32601, "modern initialize: 404, -32601 (method not found)")

    section("Old-era initialize (no MCP-Protocol-Version header): the SDK's legacy transport answers")
    init = {
        "jsonrpc": "2.0",
        "id": 15,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "old", "version": "0"}},
    }
    r = xchg(port, "POST", init, {"Accept": "application/json, text/event-stream"})
    msg = r.message()
    check(r.status == 200 and r.header("mcp-session-id") is not None, "legacy initialize: 200 + Mcp-Session-Id (dual-era)")
    check(msg["result"]["protocolVersion"] == "2025-11-25", "legacy initialize: negotiates 2025-11-25")

    section("Old-era initialize offering 2026-07-28 in params (no header)")
    init2 = json.loads(json.dumps(init))
    init2["id"] = 16
    init2["params"]["protocolVersion"] = VERSION
    r = xchg(port, "POST", init2, {"Accept": "application/json, text/event-stream"})
    msg = r.message()
    check(r.status == 200 and msg["result"]["protocolVersion"] == "2025-11-25", "initialize offering 2026-07-28: counter-offers 2025-11-25")

    section("Request with no MCP headers and no session (legacy path, not initialize)")
    body = {"jsonrpc": "2.0", "id": 17, "method": "tools/list", "params": {}}
    r = xchg(port, "POST", body, {"Accept": "application/json, text/event-stream"})
    check(r.status == 400, f"headerless non-initialize: 400 (legacy 'missing session') body={r.body[:80]!r}")
    try:
        lj = r.json()
    except ValueError:
        lj = None
    check(isinstance(lj, dict) and lj.get("error", {}).get("code") == -32600, "headerless non-initialize: JSON-RPC -32600 body")

    section("Modern tools/list with the full envelope but no MCP-Protocol-Version header")
    h = modern_headers("tools/list")
    del h["MCP-Protocol-Version"]
    r = xchg(port, "POST", rpc(18, "tools/list"), h)
    check(r.status == 400, "envelope without version header: 400 (routed to legacy: no session)")

    section("GET /mcp with the modern version header")
    r = xchg(port, "GET", None, {"Accept": "text/event-stream", "MCP-Protocol-Version": VERSION})
    check(r.status == 405 and r.header("allow") == "POST", "modern GET: 405, Allow: POST")

    section("Notification POST on the modern path")
    note = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}}
    r = xchg(port, "POST", note, modern_headers("notifications/cancelled"))
    check(r.status == 202, "notification: 202")

    section("Accept without text/event-stream")
    r = xchg(port, "POST", rpc(19, "tools/list"), {**modern_headers("tools/list"), "Accept": "application/json"})
    check(r.status == 406, "Accept: application/json only: 406 (SSE mode server)")

    section("resources/read + prompts/get (Mcp-Name carries uri / name)")
    r = xchg(port, "POST", rpc(20, "resources/list"), modern_headers("resources/list"))
    check(any(x["uri"] == "lab://greeting" for x in r.json()["result"]["resources"]), "resources/list: lab://greeting")
    r = xchg(port, "POST", rpc(21, "resources/read", {"uri": "lab://greeting"}), modern_headers("resources/read", "lab://greeting"))
    check(r.json()["result"]["contents"][0]["text"] == "hello from lab-py", "resources/read: text")
    r = xchg(port, "POST", rpc(22, "prompts/get", {"name": "greet", "arguments": {"who": "Ada"}}), modern_headers("prompts/get", "greet"))
    check("Ada" in json.dumps(r.json()["result"]["messages"]), "prompts/get: messages")

    section("progress: notifications on the POST's SSE response")
    r = xchg(
        port,
        "POST",
        rpc(
            23,
            "tools/call",
            {"name": "progress", "arguments": {"count": 2}},
            {"progressToken": "p1", "io.modelcontextprotocol/logLevel": "info"},
        ),
        modern_headers("tools/call", "progress"),
    )
    msgs = r.sse_messages() if (r.header("content-type") or "").startswith("text/event-stream") else []
    prog = [x for x in msgs if x.get("method") == "notifications/progress"]
    logs = [x for x in msgs if x.get("method") == "notifications/message"]
    check(r.header("content-type") == "text/event-stream", "progress: response is text/event-stream")
    check(len(prog) == 2 and prog[0]["params"]["progressToken"] == "p1", "progress: 2 notifications/progress with the token")
    check(len(logs) == 2, f"progress: 2 notifications/message (_meta logLevel info opts in; got {len(logs)})")
    check(msgs and msgs[-1].get("result", {}).get("content", [{}])[0].get("text") == "done 2", "progress: final result last")

    section("progress without progressToken and without _meta logLevel: nothing to emit")
    r = xchg(
        port,
        "POST",
        rpc(24, "tools/call", {"name": "progress", "arguments": {"count": 2}}),
        modern_headers("tools/call", "progress"),
    )
    check(
        r.header("content-type") == "application/json" and r.json()["result"]["content"][0]["text"] == "done 2",
        "progress w/o token + logLevel: no notifications, plain application/json answer",
    )

    section("subscriptions/listen + add_tool -> notifications/tools/list_changed")
    listen_body = rpc(
        30,
        "subscriptions/listen",
        {"notifications": {"toolsListChanged": True, "resourceSubscriptions": ["lab://greeting"]}},
    )
    listen_headers = modern_headers("subscriptions/listen")
    show_request("POST", "/mcp", {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json", **listen_headers}, json.dumps(listen_body, separators=(",", ":")).encode())
    lis = Listener(port, listen_body, listen_headers)
    lis.start()
    ack = lis.wait_for(lambda e: e.get("method") == "notifications/subscriptions/acknowledged")
    check(lis.status == 200, "listen: 200")
    check(ack is not None, "listen: first event is notifications/subscriptions/acknowledged")
    if ack:
        check(ack["params"]["_meta"].get("io.modelcontextprotocol/subscriptionId") == 30, "listen ack: _meta subscriptionId == request id")
        check(
            ack["params"]["notifications"] == {"toolsListChanged": True, "resourceSubscriptions": ["lab://greeting"]},
            "listen ack: echoes honoured filter",
        )
    out("  (while the listen stream stays open:)")
    r = xchg(port, "POST", rpc(31, "tools/call", {"name": "add_tool", "arguments": {"name": "fresh"}}), modern_headers("tools/call", "add_tool"))
    check(r.message()["result"]["content"][0]["text"] == "added fresh", "add_tool: added")
    lc = lis.wait_for(lambda e: e.get("method") == "notifications/tools/list_changed")
    check(lc is not None and lc["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == 30, "listen: tools/list_changed with subscriptionId")
    r = xchg(port, "POST", rpc(32, "tools/call", {"name": "touch_resource", "arguments": {"uri": "lab://greeting"}}), modern_headers("tools/call", "touch_resource"))
    ru = lis.wait_for(lambda e: e.get("method") == "notifications/resources/updated")
    check(ru is not None and ru["params"]["uri"] == "lab://greeting", "listen: resources/updated for a subscribed uri")
    r = xchg(port, "POST", rpc(33, "tools/call", {"name": "fresh", "arguments": {"text": "x"}}), modern_headers("tools/call", "fresh"))
    check(r.json()["result"]["content"][0]["text"] == "fresh: x", "runtime tool is callable")
    time.sleep(0.2)
    with lis.cond:
        out(f"<<< HTTP/1.1 {lis.status}  (listen response, read so far)")
        for k, v in lis.resp_headers:
            if k.lower() not in ("date", "server"):
                out(f"<<< {k}: {v}")
        out("<<<")
        for s in lis.raw_lines:
            out(f"<<< {s}")
    lis.close()

    section("ask: input_required round trip (elicitation, form mode)")
    first = rpc(40, "tools/call", {"name": "ask", "arguments": {"message": "Who are you?"}})
    r = xchg(port, "POST", first, modern_headers("tools/call", "ask"))
    res = r.json()["result"]
    check(res.get("resultType") == "input_required", "ask round 1: resultType input_required")
    reqs = res.get("inputRequests") or {}
    key = next(iter(reqs), None)
    check(key is not None and reqs[key]["method"] == "elicitation/create" and reqs[key]["params"]["mode"] == "form", "ask round 1: one elicitation/create form request")
    check(isinstance(res.get("requestState"), str), "ask round 1: opaque requestState")
    retry = rpc(
        41,
        "tools/call",
        {
            "name": "ask",
            "arguments": {"message": "Who are you?"},
            "inputResponses": {key: {"action": "accept", "content": {"name": "Grace", "ok": False}}},
            "requestState": res.get("requestState"),
        },
    )
    r = xchg(port, "POST", retry, modern_headers("tools/call", "ask"))
    res2 = r.json()["result"]
    check(res2.get("resultType") == "complete", "ask round 2: resultType complete")
    check(
        json.loads(res2["content"][0]["text"]) == {"action": "accept", "content": {"name": "Grace", "ok": False}},
        "ask round 2: tool saw the answers",
    )

    section("ask without the elicitation capability in _meta")
    r = xchg(
        port,
        "POST",
        rpc(45, "tools/call", {"name": "ask", "arguments": {"message": "Who are you?"}}, {"io.modelcontextprotocol/clientCapabilities": {}}),
        modern_headers("tools/call", "ask"),
    )
    check(r.status == 400 and r.json()["error"]["code"] == -32021, "ask w/o elicitation capability: 400, -32021")

    section("ask: decline")
    r = xchg(
        port,
        "POST",
        rpc(42, "tools/call", {"name": "ask", "arguments": {"message": "Who are you?"}, "inputResponses": {key: {"action": "decline"}}, "requestState": res.get("requestState")}),
        modern_headers("tools/call", "ask"),
    )
    check(json.loads(r.json()["result"]["content"][0]["text"]) == {"action": "decline"}, "ask decline: tool saw decline")

    section("ask: tampered requestState")
    r = xchg(
        port,
        "POST",
        rpc(43, "tools/call", {"name": "ask", "arguments": {"message": "Who are you?"}, "inputResponses": {key: {"action": "decline"}}, "requestState": "v1.garbage"}),
        modern_headers("tools/call", "ask"),
    )
    check(r.status == 400 and r.json()["error"]["code"] == -32602, "bad requestState: 400, -32602 'Invalid or expired requestState'")

    section("ask: requestState replayed with different arguments")
    r = xchg(
        port,
        "POST",
        rpc(44, "tools/call", {"name": "ask", "arguments": {"message": "Other?"}, "inputResponses": {key: {"action": "decline"}}, "requestState": res.get("requestState")}),
        modern_headers("tools/call", "ask"),
    )
    check(r.status == 400 and r.json()["error"]["code"] == -32602, "requestState bound to the original arguments: 400, -32602")

    section("/_lab/log")
    r = xchg(port, "GET", None, {}, path="/_lab/log", show=False)
    entries = r.json()
    check(isinstance(entries, list) and len(entries) > 20, f"log has entries ({len(entries)})")
    e0 = entries[0]
    check(
        e0["method"] == "POST" and e0["path"] == "/mcp" and e0["headers"].get("mcp-method") == "server/discover"
        and e0["body"]["method"] == "server/discover" and e0["status"] == 200,
        "log entry 0: {method, path, headers (lowercase), body, status}",
    )
    listen_entry = next((x for x in entries if (x["body"] or {}).get("method") == "subscriptions/listen"), None)
    check(listen_entry is not None and listen_entry["status"] == 200, "log: listen entry status 200")
    check(not any(x["path"].startswith("/_lab") for x in entries), "log: /_lab requests are not logged")
    r = xchg(port, "POST", None, {}, path="/_lab/reset-log", show=False)
    r = xchg(port, "GET", None, {}, path="/_lab/log", show=False)
    check(r.json() == [], "reset-log empties the log")


if __name__ == "__main__":
    sys.exit(main())
