/**
 * The escalation inbox: a small web server (loopback by default) where a person sees every escalated run and
 * decides it. The page is static; it reads `GET /api/escalations` and sends `POST /api/runs/<id>/resolve`, which
 * this server turns into the run's validated Update.
 *
 * Who decides is never taken from the page: it is either configured (`identity.name`, one person on their own
 * machine) or read from a header that an authenticating proxy sets (`identity.header`), trusted only on a request
 * that also carries the proxy's shared secret. Without one, the page still shows the inbox but every decision is
 * refused. What each request must pass, and the test that proves it, is in docs/security.md.
 */
import type { ResolutionSigner } from '../client/sign-resolution';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentClient } from '../client/agent-client';
import {
  BASE_HEADERS,
  allowedHosts,
  allowedOrigins,
  decodePathSegment,
  parsePublicOrigin,
  requestPath,
  sameSecret,
  sendJson,
  singleHeader,
} from '../http/guard';
import { CONNECTION_DEFAULTS } from '../common/defaults';
import { readBody } from '../http/read-body';
import { BadDecisionError, decide, escalatedRuns, parseDecision } from './escalations';
import { inboxPage, inboxScript, inboxStyle } from './page';

/** The proxy's proof that a request came through it: a header it adds, holding a secret only it and the inbox know. */
export interface ProxySecret {
  header: string;
  value: string;
}

export type InboxIdentity =
  | { name: string; header?: undefined; proxySecret?: undefined }
  | { header: string; proxySecret: ProxySecret; name?: undefined }
  | Record<string, never>;

export interface InboxServerOptions {
  client: AgentClient;
  identity: InboxIdentity;
  host?: string;
  port?: number;
  /**
   * The origin people open the inbox at when it is behind a proxy, for example `https://inbox.example.com`. Its
   * host is accepted in the Host header next to the loopback names, and it is the one non-loopback Origin a
   * browser request may carry.
   */
  publicOrigin?: string;
  /**
   * The inbox's own key, named as an issuer in the agents' `approverKeys.issuers`: each decision is signed as the
   * inbox's assertion that the person it authenticated made it. Without it, agents with approver keys refuse the
   * inbox's decisions.
   */
  signer?: ResolutionSigner;
  /**
   * The Temporal Web UI the cards link to, for example `https://temporal.example.com`; null for no links. Default:
   * the client's `uiUrl`, except the default local UI for a server elsewhere: that server has its UI elsewhere too,
   * and a guessed link would open another server's runs (the CLI passes what cli/ui-link.ts finds).
   */
  uiUrl?: string | null;
}

export interface InboxServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

interface Guard {
  hosts: Set<string>;
  origins: Set<string>;
}
/** A person's name as a proxy passes it: printable, no list separators, bounded. */
const IDENTITY_PATTERN = /^[^\s,;\p{Cc}][^,;\p{Cc}]{0,199}$/u;

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Starts the inbox.
 *
 * @example
 * const inbox = await startInboxServer({ client, identity: { name: 'pat' } });
 * console.log(inbox.url); // http://127.0.0.1:<port>
 */
export async function startInboxServer(opts: InboxServerOptions): Promise<InboxServer> {
  const publicOrigin = opts.publicOrigin === undefined ? undefined : parsePublicOrigin(opts.publicOrigin);
  if (opts.identity.header) checkProxySecret(opts.identity.proxySecret);
  // Filled in once the port is known (port 0 picks one): until then every Host is refused.
  const guard: Guard = { hosts: new Set(), origins: new Set() };
  const server: Server = createServer((req, res) => {
    route(req, res, opts, guard).catch(() => {
      // Internal error text (Temporal's, Node's) stays in the process; the page gets a plain refusal.
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error in the inbox' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  for (const h of allowedHosts(port, publicOrigin)) guard.hosts.add(h);
  for (const o of allowedOrigins(port, publicOrigin)) guard.origins.add(o);
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function checkProxySecret(secret: ProxySecret | undefined): void {
  if (!secret || !/^[A-Za-z0-9-]+$/.test(secret.header)) throw new Error('an identity header needs the proxy secret header name');
  if (secret.value.length < 16) throw new Error('the proxy secret must be at least 16 characters');
}

export type IdentityCheck = { ok: true; name: string } | { ok: false; reason: string };

/**
 * The person acting on this request. From a header, only on a request carrying the proxy's secret, and only when
 * the header is sent once with one name: Node joins repeated headers into "mallory, pat", which must not pass as
 * a person.
 */
export function identityOf(req: IncomingMessage, identity: InboxIdentity): IdentityCheck {
  if (identity.name) return { ok: true, name: identity.name };
  if (!identity.header) {
    return { ok: false, reason: 'no identity configured: start the inbox with --as <name> (or DURABLE_AGENT_INBOX_USER), or behind a proxy with --identity-header' };
  }
  const secret = identity.proxySecret;
  if (!sameSecret(singleHeader(req, secret.header), secret.value)) {
    return { ok: false, reason: `no identity: the request did not come through the configured proxy (no valid ${secret.header} header)` };
  }
  const values = req.headersDistinct[identity.header.toLowerCase()] ?? [];
  if (values.length === 0) return { ok: false, reason: `no identity: the request carries no ${identity.header} header` };
  if (values.length > 1) return { ok: false, reason: `no identity: the ${identity.header} header is sent more than once` };
  const name = (values[0] ?? '').trim();
  if (!IDENTITY_PATTERN.test(name)) return { ok: false, reason: `no identity: the ${identity.header} header must hold exactly one name` };
  return { ok: true, name };
}

async function route(req: IncomingMessage, res: ServerResponse, opts: InboxServerOptions, guard: Guard): Promise<void> {
  // DNS rebinding: a page under another name that resolves to this address is refused before it reads anything.
  const host = singleHeader(req, 'host')?.toLowerCase();
  if (!host || !guard.hosts.has(host)) return sendJson(res, 421, { error: 'this inbox does not answer to that host name' });
  // Browsers send Origin on every cross-origin request and on same-origin posts; when there is one, it must be ours.
  const origin = req.headersDistinct.origin;
  if (origin !== undefined && (origin.length !== 1 || !guard.origins.has(origin[0] ?? ''))) {
    return sendJson(res, 403, { error: 'requests from another origin may not read or act here' });
  }
  const path = requestPath(req);
  if (path === undefined) return sendJson(res, 400, { error: 'bad request target' });

  if (req.method === 'GET' && (path === '/' || path === '/inbox.js' || path === '/inbox.css')) return staticFile(res, path);
  if (!path.startsWith('/api/')) return sendJson(res, 404, { error: 'no such page' });

  const who = identityOf(req, opts.identity);
  // Behind a proxy, reading is as private as deciding: without the proxy's identity, nothing is shown.
  if (opts.identity.header && !who.ok) return sendJson(res, 401, { error: who.reason });

  if (req.method === 'GET' && path === '/api/me') {
    return sendJson(res, 200, { identity: who.ok ? who.name : null, message: who.ok ? undefined : who.reason });
  }
  if (req.method === 'GET' && path === '/api/escalations') {
    return sendJson(res, 200, { identity: who.ok ? who.name : null, now: new Date().toISOString(), runs: await escalatedRuns(opts.client, { uiBase: uiBaseOf(opts) }) });
  }
  const resolvePath = /^\/api\/runs\/([^/]+)\/resolve$/.exec(path);
  if (req.method === 'POST' && resolvePath) {
    // A cross-site page cannot post JSON here without a CORS preflight, which this server never grants.
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: 'send application/json' });
    const workflowId = decodePathSegment(resolvePath[1] ?? '');
    if (workflowId === undefined) return sendJson(res, 400, { error: 'the run id in the path is not valid percent-encoding' });
    if (!who.ok) return sendJson(res, 403, { error: who.reason });
    let request;
    try {
      request = parseDecision(JSON.parse(await readBody(req, MAX_BODY, () => new BodyTooLargeError('request body over 1 MiB'))));
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: err.message });
      if (err instanceof SyntaxError) return sendJson(res, 400, { error: 'the body is not valid JSON' });
      if (err instanceof BadDecisionError) return sendJson(res, 400, { error: err.message });
      throw err;
    }
    const result = await decide(opts.client, workflowId, { request, by: who.name, signer: opts.signer });
    return result.ok ? sendJson(res, 200, { outcome: result.outcome }) : sendJson(res, result.status, { error: result.error });
  }
  sendJson(res, 404, { error: 'no such API' });
}

class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

function staticFile(res: ServerResponse, path: string): void {
  const [type, body] =
    path === '/inbox.js'
      ? ['text/javascript; charset=utf-8', inboxScript]
      : path === '/inbox.css'
        ? ['text/css; charset=utf-8', inboxStyle]
        : ['text/html; charset=utf-8', inboxPage];
  res.writeHead(200, {
    ...BASE_HEADERS,
    'content-type': type,
    // The page runs only its own served script and talks only to this server; no inline script at all.
    'content-security-policy': PAGE_CSP,
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

/**
 * Where the cards link to: what the application said; else the client's `uiUrl`, unless that is only the default
 * UI guessed for a server at another address.
 */
function uiBaseOf(opts: InboxServerOptions): string | null {
  if (opts.uiUrl !== undefined) return opts.uiUrl === null ? null : opts.uiUrl.replace(/\/+$/, '');
  const { address, uiUrl } = opts.client.settings;
  return uiUrl === CONNECTION_DEFAULTS.uiUrl && address !== CONNECTION_DEFAULTS.address ? null : uiUrl;
}
