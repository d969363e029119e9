// Shared MCP pieces for the lab servers built on the official SDK
// (sdk-server.mjs and protected-server.mjs): the in-memory EventStore, the
// lab tools (buildServer) and the stateful session routing for /mcp
// (createMcpEndpoint).

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  isInitializeRequest,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { log, readBody, tryParseJson, sendJson } from './lab-common.mjs';

/**
 * In-memory EventStore (the SDK's EventStore interface). One per session.
 * Event ids are opaque strings "<n>" unique within the store; each event
 * remembers the stream it belongs to. The SDK stores an empty `{}` message
 * for its priming events; those are never replayed.
 */
export class MemoryEventStore {
  constructor() {
    this.events = []; // { id, streamId, message } in storage order
    this.byId = new Map(); // id -> index into events
    this.next = 1;
  }

  async storeEvent(streamId, message) {
    const id = String(this.next++);
    this.byId.set(id, this.events.length);
    this.events.push({ id, streamId, message });
    return id;
  }

  async getStreamIdForEventId(eventId) {
    const idx = this.byId.get(eventId);
    return idx === undefined ? undefined : this.events[idx].streamId;
  }

  async replayEventsAfter(lastEventId, { send }) {
    const idx = this.byId.get(lastEventId);
    if (idx === undefined) {
      throw new Error(`unknown event id ${lastEventId}`);
    }
    const { streamId } = this.events[idx];
    for (let i = idx + 1; i < this.events.length; i++) {
      const ev = this.events[i];
      if (ev.streamId !== streamId) continue;
      if (!ev.message || !('jsonrpc' in ev.message)) continue; // priming event
      await send(ev.id, ev.message);
    }
    return streamId;
  }
}

const PATTERN = '0123456789abcdefghijklmnopqrstuvwxyz';
function patternBytes(n) {
  return PATTERN.repeat(Math.ceil(n / PATTERN.length)).slice(0, n);
}

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('cancelled'));
    });
  });

export const text = (t) => ({ content: [{ type: 'text', text: t }] });

/**
 * One McpServer with the lab tools. `extend(server)` may register more tools
 * (protected-server adds whoami/admin); `name` is the serverInfo name.
 */
export function buildServer({ name = 'mcp-tether-lab-sdk-server', extend } = {}) {
  const server = new McpServer(
    { name, version: '1.0.0' },
    { capabilities: { logging: {} } },
  );

  server.registerTool(
    'echo',
    { description: 'Returns its text argument.', inputSchema: { text: z.string() } },
    async ({ text: t }) => text(t),
  );

  server.registerTool(
    'bytes',
    {
      description: 'Returns exactly n ASCII bytes of 0-9a-z repeated.',
      inputSchema: { n: z.number().int().min(0) },
    },
    async ({ n }) => text(patternBytes(n)),
  );

  server.registerTool(
    'progress',
    {
      description:
        'Sends count notifications/progress (or notifications/message when no progressToken), then returns "done <count>".',
      inputSchema: { count: z.number().int().min(0) },
    },
    async ({ count }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= count; i++) {
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: count, message: `step ${i}` },
          });
        } else {
          await extra.sendNotification({
            method: 'notifications/message',
            params: { level: 'info', logger: 'progress', data: `step ${i}/${count}` },
          });
        }
      }
      return text(`done ${count}`);
    },
  );

  server.registerTool(
    'slow',
    { description: 'Waits ms milliseconds.', inputSchema: { ms: z.number().int().min(0) } },
    async ({ ms }, extra) => {
      await sleep(ms, extra.signal);
      return text(`slept ${ms}`);
    },
  );

  server.registerTool(
    'sample',
    {
      description: 'Asks the client for sampling/createMessage and returns its text.',
      inputSchema: { prompt: z.string() },
    },
    async ({ prompt }, extra) => {
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
            maxTokens: 100,
          },
        },
        CreateMessageResultSchema,
      );
      const parts = Array.isArray(result.content) ? result.content : [result.content];
      return text(parts.filter((p) => p.type === 'text').map((p) => p.text).join(''));
    },
  );

  server.registerTool(
    'elicit',
    {
      description: 'Sends elicitation/create (form mode) and returns the client result as JSON.',
      inputSchema: { message: z.string() },
    },
    async ({ message }, extra) => {
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            mode: 'form',
            message,
            requestedSchema: {
              type: 'object',
              properties: {
                name: { type: 'string', title: 'Name', default: 'Ada' },
                ok: { type: 'boolean', title: 'OK', default: true },
              },
              required: ['name'],
            },
          },
        },
        ElicitResultSchema,
      );
      return text(JSON.stringify(result));
    },
  );

  server.registerTool(
    'roots',
    { description: 'Sends roots/list to the client and returns the result as JSON.', inputSchema: {} },
    async (_args, extra) => {
      const result = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
      return text(JSON.stringify(result));
    },
  );

  server.registerTool(
    'announce',
    {
      description: 'Sends notifications/message on the standalone GET stream (not related to this request).',
      inputSchema: { text: z.string() },
    },
    async ({ text: t }) => {
      // No relatedRequestId: the transport routes it to the standalone GET
      // SSE stream (and stores it in the event store for replay).
      await server.server.notification({
        method: 'notifications/message',
        params: { level: 'info', logger: 'announce', data: t },
      });
      return text('announced');
    },
  );

  server.registerTool(
    'disconnect',
    {
      description:
        "Sends `before` notifications, closes this request's SSE stream (SDK closeSSEStream) so the client must resume with Last-Event-ID, sends `after` notifications (stored for the replay), waits ms, then returns \"resumed <ms>\". Notifications are notifications/progress with the request's progressToken, else notifications/message. Needs the client to have received a priming event (protocol >= 2025-11-25).",
      inputSchema: {
        ms: z.number().int().min(0).default(200),
        before: z.number().int().min(0).default(0),
        after: z.number().int().min(0).default(0),
      },
    },
    async ({ ms, before, after }, extra) => {
      const token = extra._meta?.progressToken;
      const total = before + after;
      const notify = async (i) => {
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total, message: `step ${i}` },
          });
        } else {
          await extra.sendNotification({
            method: 'notifications/message',
            params: { level: 'info', logger: 'disconnect', data: `step ${i}/${total}` },
          });
        }
      };
      for (let i = 1; i <= before; i++) await notify(i);
      // Let the events before the cut reach the client before the stream closes.
      if (before > 0) await sleep(100);
      extra.closeSSEStream?.();
      for (let i = before + 1; i <= total; i++) await notify(i);
      await sleep(ms);
      return text(`resumed ${ms}`);
    },
  );

  extend?.(server);
  return server;
}

/**
 * Stateful Streamable HTTP routing for /mcp (one transport + McpServer per
 * session), as the SDK example does it. Every request is added to
 * `requestLog`. `authorize(req, res, parsedBody)` (optional) runs after the
 * request is logged and before anything else; returning false means it has
 * already answered (401/403). `serverOptions` goes to buildServer.
 */
export function createMcpEndpoint({ name: NAME, requestLog, jsonResponse, retryInterval, authorize, serverOptions }) {
  /** sessionId -> { transport, server } */
  const sessions = new Map();

  async function closeSession(id) {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    try {
      await s.transport.close();
    } catch (e) {
      log(NAME, `closing session ${id}: ${e.message}`);
    }
    try {
      await s.server.close();
    } catch {
      /* already closed */
    }
  }

  async function closeAllSessions() {
    const ids = [...sessions.keys()];
    await Promise.all(ids.map(closeSession));
    return ids.length;
  }

  async function handleMcp(req, res) {
    let parsedBody;
    if (req.method === 'POST') {
      const raw = await readBody(req);
      parsedBody = tryParseJson(raw);
      requestLog.add(req, parsedBody, res);
    } else {
      requestLog.add(req, undefined, res);
    }

    if (authorize && !(await authorize(req, res, parsedBody))) return;

    if (req.method === 'POST' && parsedBody === undefined) {
      sendJson(res, 400, {
        jsonrpc: '2.0',
        error: { code: -32700, message: 'Parse error: Invalid JSON' },
        id: null,
      });
      return;
    }

    const sessionId = req.headers['mcp-session-id'];
    if (sessionId !== undefined) {
      const s = sessions.get(sessionId);
      if (!s) {
        sendJson(res, 404, {
          jsonrpc: '2.0',
          error: { code: -32001, message: 'Session not found' },
          id: null,
        });
        return;
      }
      await s.transport.handleRequest(req, res, parsedBody);
      return;
    }

    if (req.method === 'POST' && isInitializeRequest(parsedBody)) {
      const server = buildServer(serverOptions);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: jsonResponse,
        eventStore: new MemoryEventStore(),
        retryInterval,
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server });
          log(NAME, `session ${id} initialized`);
        },
        onsessionclosed: (id) => {
          log(NAME, `session ${id} deleted by client`);
          sessions.delete(id);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId && sessions.get(transport.sessionId)?.transport === transport) {
          sessions.delete(transport.sessionId);
        }
      };
      transport.onerror = (e) => log(NAME, `transport error: ${e.message}`);
      await server.connect(transport);
      await transport.handleRequest(req, res, parsedBody);
      return;
    }

    sendJson(res, 400, {
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
      id: null,
    });
  }

  return {
    sessions,
    handle: handleMcp,
    closeAllSessions,
    labExtras: {
      'POST /_lab/expire-sessions': async () => ({ ok: true, expired: await closeAllSessions() }),
      'GET /_lab/sessions': async () => ({ sessions: [...sessions.keys()] }),
    },
  };
}
