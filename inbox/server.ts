/**
 * The escalation inbox: a small web server (loopback by default) where a person sees every escalated run and
 * decides it. The page is static; it reads `GET /api/escalations` and sends `POST /api/runs/<id>/resolve`, which
 * this server turns into the run's validated Update.
 *
 * Who decides is never taken from the page: it is either configured (`identity.name`, one person on their own
 * machine) or read from a header that an authenticating proxy sets (`identity.header`). Without one, the page
 * still shows the inbox but every decision is refused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentClient } from '../client/agent-client';
import { readBody } from '../http/read-body';
import { BadDecisionError, decide, escalatedRuns, parseDecision } from './escalations';
import { inboxPage } from './page';

export type InboxIdentity = { name: string; header?: undefined } | { header: string; name?: undefined } | Record<string, never>;

export interface InboxServerOptions {
  client: AgentClient;
  identity: InboxIdentity;
  host?: string;
  port?: number;
}

export interface InboxServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startInboxServer(opts: InboxServerOptions): Promise<InboxServer> {
  const server: Server = createServer((req, res) => {
    route(req, res, opts).catch((err: unknown) => json(res, 500, { error: err instanceof Error ? err.message : String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The person acting on this request, or undefined when none is configured or the proxy sent none. */
export function identityOf(req: IncomingMessage, identity: InboxIdentity): string | undefined {
  if (identity.name) return identity.name;
  if (identity.header) {
    const value = req.headers[identity.header.toLowerCase()];
    const name = (Array.isArray(value) ? value[0] : value)?.trim();
    return name || undefined;
  }
  return undefined;
}

function noIdentityMessage(identity: InboxIdentity): string {
  if (identity.header) return `no identity: the request carries no ${identity.header} header (the inbox must sit behind the proxy that sets it)`;
  return 'no identity configured: start the inbox with --as <name> (or DURABLE_AGENT_INBOX_USER), or behind a proxy with --identity-header';
}

async function route(req: IncomingMessage, res: ServerResponse, opts: InboxServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://inbox');
  const by = identityOf(req, opts.identity);

  if (req.method === 'GET' && url.pathname === '/') {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The page runs only its own inline script and talks only to this server.
      'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    });
    res.end(inboxPage);
    return;
  }
  if (req.method === 'GET' && url.pathname === '/api/me') {
    return json(res, 200, { identity: by ?? null, message: by ? undefined : noIdentityMessage(opts.identity) });
  }
  if (req.method === 'GET' && url.pathname === '/api/escalations') {
    return json(res, 200, { identity: by ?? null, now: new Date().toISOString(), runs: await escalatedRuns(opts.client) });
  }
  const resolvePath = /^\/api\/runs\/([^/]+)\/resolve$/.exec(url.pathname);
  if (req.method === 'POST' && resolvePath) {
    // A cross-site page cannot post JSON here without a CORS preflight, which this server never grants; a
    // same-origin check on top covers browsers that send an Origin on simple requests.
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return json(res, 415, { error: 'send application/json' });
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return json(res, 403, { error: `origin ${origin} may not act here` });
    if (!by) return json(res, 403, { error: noIdentityMessage(opts.identity) });
    let request;
    try {
      request = parseDecision(JSON.parse(await readBody(req, MAX_BODY, () => new BadDecisionError('request body over 1 MiB'))));
    } catch (err) {
      if (err instanceof BadDecisionError || err instanceof SyntaxError) return json(res, 400, { error: err.message });
      throw err;
    }
    const result = await decide(opts.client, decodeURIComponent(resolvePath[1] ?? ''), request, by);
    return result.ok ? json(res, 200, { outcome: result.outcome }) : json(res, result.status, { error: result.error });
  }
  json(res, 404, { error: `no such page: ${req.method} ${url.pathname}` });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

