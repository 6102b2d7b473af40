/**
 * What the inbox's HTTP surface refuses before anything reaches Temporal (docs/security.md, "Inbox access"): other
 * host names (DNS rebinding), other origins, identity headers that did not come from the configured proxy or that
 * name more than one person, malformed paths; and the headers every response carries. The client is a stub that
 * records what reached it, so a refusal is proven by the stub never being called.
 */
import { request } from 'node:http';
import type { AgentClient } from '../client/agent-client';
import type { Resolution } from '../common/escalation';
import { startInboxServer, type InboxIdentity, type InboxServer, type InboxServerOptions } from '../inbox/server';

const SECRET = 'proxy-secret-0123456789abcdef';
const PROXY: InboxIdentity = { header: 'X-Forwarded-User', proxySecret: { header: 'X-Inbox-Proxy-Secret', value: SECRET } };
const PUBLIC = 'https://inbox.example.com';

interface Calls {
  lists: number;
  resolutions: { workflowId: string; resolution: Resolution }[];
}

function stubClient(calls: Calls, opts: { listFails?: string } = {}): AgentClient {
  return {
    settings: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'q' },
    async list() {
      calls.lists++;
      if (opts.listFails) throw new Error(opts.listFails);
      return [];
    },
    async run(workflowId: string) {
      return {
        async resolve(resolution: Resolution) {
          calls.resolutions.push({ workflowId, resolution });
          return { escalationId: resolution.escalationId, decision: resolution.decision, by: resolution.by, accepted: true, note: 'ok' };
        },
      };
    },
  } as unknown as AgentClient;
}

async function withInbox<T>(
  opts: Omit<InboxServerOptions, 'client'> & { listFails?: string },
  fn: (inbox: InboxServer & { port: number; calls: Calls }) => Promise<T>,
): Promise<T> {
  const calls: Calls = { lists: 0, resolutions: [] };
  const inbox = await startInboxServer({ ...opts, client: stubClient(calls, opts) });
  try {
    return await fn({ ...inbox, port: Number(new URL(inbox.url).port), calls });
  } finally {
    await inbox.close();
  }
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: any Host, repeated headers (an array value sends the header once per element). */
function send(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string | string[]>; body?: string },
): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const DECISION = JSON.stringify({ escalationId: 'esc-1', decision: 'approve' });
const JSON_TYPE = { 'content-type': 'application/json' };

describe('Host and Origin', () => {
  test('a request naming another host (DNS rebinding) is refused before it reads or acts; loopback names and the public host are served', async () => {
    await withInbox({ identity: { name: 'pat' }, publicOrigin: PUBLIC }, async (inbox) => {
      const rebound = await send(inbox.url, { path: '/api/escalations', headers: { host: `evil.example:${inbox.port}` } });
      expect(rebound.status).toBe(421);
      expect(rebound.body).not.toContain('"runs"');
      const post = await send(inbox.url, {
        method: 'POST',
        path: '/api/runs/ops-1/resolve',
        headers: { host: `evil.example:${inbox.port}`, ...JSON_TYPE },
        body: DECISION,
      });
      expect(post.status).toBe(421);
      expect(inbox.calls).toEqual({ lists: 0, resolutions: [] });

      for (const host of [`127.0.0.1:${inbox.port}`, `localhost:${inbox.port}`, `[::1]:${inbox.port}`, 'inbox.example.com']) {
        expect([host, (await send(inbox.url, { path: '/api/escalations', headers: { host } })).status]).toEqual([host, 200]);
      }
      // The loopback names only on the inbox's own port, the public host only as configured.
      expect((await send(inbox.url, { path: '/', headers: { host: '127.0.0.1:1' } })).status).toBe(421);
      expect((await send(inbox.url, { path: '/', headers: { host: 'inbox.example.com:8443' } })).status).toBe(421);
    });
  });

  test('an Origin other than the inbox\'s own or its public origin is refused, on reads as well as decisions', async () => {
    await withInbox({ identity: { name: 'pat' }, publicOrigin: PUBLIC }, async (inbox) => {
      const host = `127.0.0.1:${inbox.port}`;
      const read = await send(inbox.url, { path: '/api/escalations', headers: { host, origin: 'http://evil.example' } });
      expect(read.status).toBe(403);
      const post = await send(inbox.url, {
        method: 'POST',
        path: '/api/runs/ops-1/resolve',
        headers: { host, origin: 'http://evil.example', ...JSON_TYPE },
        body: DECISION,
      });
      expect(post.status).toBe(403);
      // The opaque origin of a sandboxed frame or a file:// page is not ours either.
      expect((await send(inbox.url, { path: '/api/escalations', headers: { host, origin: 'null' } })).status).toBe(403);
      expect(inbox.calls).toEqual({ lists: 0, resolutions: [] });
      expect((await send(inbox.url, { path: '/api/escalations', headers: { host, origin: `http://${host}` } })).status).toBe(200);
    });
  });

  test('behind an HTTPS proxy, a decision posted from the public origin is accepted', async () => {
    await withInbox({ identity: PROXY, publicOrigin: PUBLIC }, async (inbox) => {
      // What a TLS-terminating proxy forwards: the public Host, the browser's https Origin, its identity and secret.
      const res = await send(inbox.url, {
        method: 'POST',
        path: '/api/runs/ops-1/resolve',
        headers: { host: 'inbox.example.com', origin: PUBLIC, 'x-forwarded-user': 'sam', 'x-inbox-proxy-secret': SECRET, ...JSON_TYPE },
        body: DECISION,
      });
      expect([res.status, res.body]).toEqual([200, expect.stringContaining('"by":"sam"')]);
      expect(inbox.calls.resolutions).toEqual([{ workflowId: 'ops-1', resolution: { escalationId: 'esc-1', decision: 'approve', by: 'sam' } }]);
    });
  });
});

describe('identity from a proxy header', () => {
  const read = (inbox: InboxServer & { port: number }, headers: Record<string, string | string[]>) =>
    send(inbox.url, { path: '/api/escalations', headers: { host: `127.0.0.1:${inbox.port}`, ...headers } });
  const post = (inbox: InboxServer & { port: number }, headers: Record<string, string | string[]>) =>
    send(inbox.url, { method: 'POST', path: '/api/runs/ops-1/resolve', headers: { host: `127.0.0.1:${inbox.port}`, ...JSON_TYPE, ...headers }, body: DECISION });

  test('the identity header counts only on a request carrying the proxy secret', async () => {
    await withInbox({ identity: PROXY }, async (inbox) => {
      // Anyone who reaches the port can send X-Forwarded-User; only the proxy knows the secret.
      expect((await post(inbox, { 'x-forwarded-user': 'mallory' })).status).toBe(401);
      expect((await post(inbox, { 'x-forwarded-user': 'mallory', 'x-inbox-proxy-secret': 'proxy-secret-0123456789abcdeX' })).status).toBe(401);
      expect((await post(inbox, { 'x-forwarded-user': 'mallory', 'x-inbox-proxy-secret': 'short' })).status).toBe(401);
      expect((await post(inbox, { 'x-forwarded-user': 'mallory', 'x-inbox-proxy-secret': [SECRET, SECRET] })).status).toBe(401);
      expect(inbox.calls.resolutions).toEqual([]);
      const ok = await post(inbox, { 'x-forwarded-user': 'sam', 'x-inbox-proxy-secret': SECRET });
      expect(ok.status).toBe(200);
      expect(inbox.calls.resolutions.map((r) => r.resolution.by)).toEqual(['sam']);
    });
  });

  test('a repeated or comma-joined identity header is refused, not read as "mallory, pat"', async () => {
    await withInbox({ identity: PROXY }, async (inbox) => {
      const secret = { 'x-inbox-proxy-secret': SECRET };
      const twice = await post(inbox, { ...secret, 'x-forwarded-user': ['mallory', 'pat'] });
      expect(twice.status).toBe(401);
      expect(JSON.parse(twice.body).error).toMatch(/more than once/);
      expect((await post(inbox, { ...secret, 'x-forwarded-user': 'mallory, pat' })).status).toBe(401);
      expect((await post(inbox, { ...secret, 'x-forwarded-user': 'mallory;pat' })).status).toBe(401);
      expect((await post(inbox, { ...secret, 'x-forwarded-user': '   ' })).status).toBe(401);
      expect((await read(inbox, { ...secret, 'x-forwarded-user': ['mallory', 'pat'] })).status).toBe(401);
      expect(inbox.calls).toEqual({ lists: 0, resolutions: [] });
    });
  });

  test('reading escalations needs the identity too when it comes from a header', async () => {
    await withInbox({ identity: PROXY }, async (inbox) => {
      const anonymous = await read(inbox, {});
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).not.toContain('"runs"');
      expect((await send(inbox.url, { path: '/api/me', headers: { host: `127.0.0.1:${inbox.port}` } })).status).toBe(401);
      expect(inbox.calls.lists).toBe(0);
      const named = await read(inbox, { 'x-forwarded-user': 'sam', 'x-inbox-proxy-secret': SECRET });
      expect(named.status).toBe(200);
      expect(JSON.parse(named.body)).toMatchObject({ identity: 'sam', runs: [] });
      // The static page itself holds no data: it loads, and then says why it shows nothing.
      expect((await send(inbox.url, { path: '/', headers: { host: `127.0.0.1:${inbox.port}` } })).status).toBe(200);
    });
  });

  test('the server will not take an identity header without a proxy secret of at least 16 characters', async () => {
    const calls: Calls = { lists: 0, resolutions: [] };
    const identity = { header: 'X-Forwarded-User' } as unknown as InboxIdentity;
    await expect(startInboxServer({ client: stubClient(calls), identity })).rejects.toThrow(/proxy secret/);
    const weak: InboxIdentity = { header: 'X-Forwarded-User', proxySecret: { header: 'X-Secret', value: 'short' } };
    await expect(startInboxServer({ client: stubClient(calls), identity: weak })).rejects.toThrow(/at least 16/);
  });
});

describe('requests and responses', () => {
  test('malformed percent-encoding in a path gets 400, not 500', async () => {
    await withInbox({ identity: { name: 'pat' } }, async (inbox) => {
      const res = await send(inbox.url, {
        method: 'POST',
        path: '/api/runs/%E0%A4%A/resolve',
        headers: { host: `127.0.0.1:${inbox.port}`, ...JSON_TYPE },
        body: DECISION,
      });
      expect(res.status).toBe(400);
      expect(inbox.calls.resolutions).toEqual([]);
    });
  });

  test('the page runs no inline script: its CSP has no unsafe-inline and the script is a served file', async () => {
    await withInbox({ identity: { name: 'pat' } }, async (inbox) => {
      const host = `127.0.0.1:${inbox.port}`;
      const page = await send(inbox.url, { path: '/', headers: { host } });
      const csp = String(page.headers['content-security-policy']);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toMatch(/script-src 'self'/);
      expect(page.body).not.toMatch(/<script>/);
      expect(page.body).toContain('<script src="/inbox.js"></script>');
      const script = await send(inbox.url, { path: '/inbox.js', headers: { host } });
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toMatch(/^text\/javascript/);
      expect(script.body).toContain('function load()');
    });
  });

  test('every response carries X-Content-Type-Options: nosniff, refusals and errors included', async () => {
    await withInbox({ identity: { name: 'pat' }, listFails: 'connect ECONNREFUSED 10.1.2.3:7233 internal detail' }, async (inbox) => {
      const host = `127.0.0.1:${inbox.port}`;
      const replies = await Promise.all([
        send(inbox.url, { path: '/', headers: { host } }),
        send(inbox.url, { path: '/inbox.js', headers: { host } }),
        send(inbox.url, { path: '/inbox.css', headers: { host } }),
        send(inbox.url, { path: '/api/me', headers: { host } }),
        send(inbox.url, { path: '/api/escalations', headers: { host } }),
        send(inbox.url, { path: '/nowhere', headers: { host } }),
        send(inbox.url, { path: '/', headers: { host: 'evil.example' } }),
        send(inbox.url, { path: '/api/me', headers: { host, origin: 'http://evil.example' } }),
        send(inbox.url, { method: 'POST', path: '/api/runs/%ZZ/resolve', headers: { host, ...JSON_TYPE }, body: DECISION }),
      ]);
      expect(replies.map((r) => r.headers['x-content-type-options'])).toEqual(replies.map(() => 'nosniff'));
      // The failed listing is a 500 that does not echo the internal error.
      const failed = replies[4] as Reply;
      expect(failed.status).toBe(500);
      expect(failed.body).not.toContain('10.1.2.3');
    });
  });

  test('a body over 1 MiB gets 413, and nothing is decided', async () => {
    await withInbox({ identity: { name: 'pat' } }, async (inbox) => {
      const res = await send(inbox.url, {
        method: 'POST',
        path: '/api/runs/ops-1/resolve',
        headers: { host: `127.0.0.1:${inbox.port}`, ...JSON_TYPE },
        body: JSON.stringify({ escalationId: 'esc-1', decision: 'answer', text: 'x'.repeat(1024 * 1024 + 10) }),
      });
      expect(res.status).toBe(413);
      expect(inbox.calls.resolutions).toEqual([]);
    });
  });
});
