/**
 * The escalation inbox, end to end: a real dev server, a worker, the demo scenario, `startInboxServer`, and headless
 * Chromium clicking on the page. A person reads what the run waits on, has an invalid edit refused by the
 * workflow's validator, and approves; behind an HTTPS proxy, the page acts as the person the proxy names, and
 * shows nothing to a request that did not come through the proxy.
 * test/inbox.test.ts tests the API without a browser.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { opsAgent } from '../examples/ops-agent/agent';
import { startInboxServer, type InboxIdentity, type InboxServer } from '../inbox/server';
import { launchBrowser, SCREENSHOTS } from './helpers/browser';
import { hermeticEnv } from './helpers/hermetic-env';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';
import { tempDataDir, useTestEnv } from './helpers/test-env';

const env = useTestEnv('inbox-browser');
let browser: Browser;
beforeAll(async () => {
  process.env.DURABLE_AGENT_DATA_DIR = tempDataDir();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => browser?.close());

async function withInbox<T>(identity: InboxIdentity, fn: (inbox: InboxServer) => Promise<T>, publicOrigin?: string): Promise<T> {
  const inbox = await startInboxServer({ client: env().client, identity, publicOrigin });
  try {
    return await fn(inbox);
  } finally {
    await inbox.close();
  }
}

/** The card of one run, once the page has loaded it. */
async function cardOf(page: Page, workflowId: string) {
  const card = page.locator(`article[data-workflow-id="${workflowId}"]`);
  await card.waitFor({ timeout: 20_000 });
  return card;
}

test('a person reads the escalation, an invalid edit is refused by the validator, and approving lets the run finish', async () => {
  await env().withWorker([opsAgent], async () => {
    const run = await env().client.start('ops', 'Refund Ana for the broken teapot.', { scenario: 'demo', correlationId: uniqueId('inbox') });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('approval_required');

    await withInbox({ name: 'pat' }, async (inbox) => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
      await page.goto(inbox.url);
      const card = await cardOf(page, run.workflowId);
      await expect(page.locator('#identity').innerText()).resolves.toBe('acting as pat');

      // What the person needs to decide: the reason, the proposed call with its arguments, the model's words, the wait.
      const text = await card.innerText();
      expect(text).toContain('approval_required');
      expect(text).toContain('"issue_refund" is irreversible');
      expect(await card.locator('pre.proposed').innerText()).toMatch(/issue_refund[\s\S]*"orderId": "ord_1001"[\s\S]*"amountCents": 4999/);
      expect(await card.locator('pre.rationale').innerText()).not.toBe('');
      expect(await card.locator('.waited').innerText()).toMatch(/^\d+(s|m \d\ds)$/);
      await card.locator('summary').click();
      expect(await card.locator('ol.trace').innerText()).toContain('schedule_callback');
      expect(await card.locator('button').allInnerTexts()).toEqual(['approve', 'reject', 'edit', 'answer', 'abort']);

      // An edit whose arguments fail the tool's schema: the workflow's validator refuses it, the page says why.
      await card.locator('textarea[name=args]').fill('{"orderId": "ord_1001", "amountCents": -5, "reason": "broken teapot"}');
      await card.locator('button[data-decision=edit]').click();
      const result = card.locator('.result');
      expect(await refusal(result)).toMatch(/refused: .*amountCents/);
      expect((await run.pendingEscalation())?.id).toBe(escalation.id);

      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'inbox-escalation.png'), fullPage: true });

      await card.locator('button[data-decision=approve]').click();
      await result.filter({ hasText: 'done:' }).waitFor({ timeout: 20_000 });
      expect(await result.innerText()).toContain('done: approve by pat');
      await page.screenshot({ path: join(SCREENSHOTS, 'inbox-approved.png'), fullPage: true });
      await page.close();
    });

    const outcome = await run.result();
    expect(outcome.status).toBe('completed');
    const resolutions = eventsOf(outcome.trace, 'resolution');
    // The refused edit is on the record too (its schema check runs in the workflow), then the approval.
    expect(resolutions.map((r) => [r.resolution.decision, r.resolution.by, r.accepted])).toEqual([
      ['edit', 'pat', false],
      ['approve', 'pat', true],
    ]);
    expect(outcome.ledger.find((e) => e.tool === 'issue_refund')?.approvedBy).toBe('pat');
  });
}, 120_000);

const PROXY_SECRET = 'inbox-proxy-secret-4c1d9e7a20b3';
const PUBLIC_ORIGIN = 'https://inbox.example.com';

/**
 * A TLS-terminating proxy in front of the inbox, played by the browser context's router: the page lives at
 * https://inbox.example.com (so the browser sends that Origin), and every request is forwarded to the inbox with
 * the public Host, the person the proxy authenticated, and the shared secret. Anything the browser itself put in
 * the identity or secret header is replaced, as a real proxy must.
 */
async function behindProxy(context: BrowserContext, inboxUrl: string, user: string): Promise<void> {
  await context.route(`${PUBLIC_ORIGIN}/**`, async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    const headers: Record<string, string> = { ...(await req.allHeaders()), host: url.host, 'x-forwarded-user': user, 'x-inbox-proxy-secret': PROXY_SECRET };
    for (const name of Object.keys(headers)) if (name.startsWith(':')) delete headers[name];
    const upstream = await forward(inboxUrl, { method: req.method(), path: `${url.pathname}${url.search}`, headers, body: req.postDataBuffer() });
    await route.fulfill(upstream);
  });
}

/** One HTTP request with the headers as given (fetch would replace Host). */
function forward(
  base: string,
  opts: { method: string; path: string; headers: Record<string, string>; body: Buffer | null },
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
        resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(opts.body ?? undefined);
  });
}

test("behind an HTTPS proxy, the page acts as the person the proxy names; without the proxy's secret it shows and decides nothing", async () => {
  await env().withWorker([opsAgent], async () => {
    const run = await env().client.start('ops', 'Refund Ana for the broken teapot.', { scenario: 'demo', correlationId: uniqueId('proxy') });
    const escalation = await waitForEscalation(run);
    const identity: InboxIdentity = { header: 'X-Forwarded-User', proxySecret: { header: 'X-Inbox-Proxy-Secret', value: PROXY_SECRET } };

    await withInbox(identity, async (inbox) => {
      // Straight to the port, naming a person in the identity header: no secret, so no identity, so nothing shown.
      const direct = await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-User': 'mallory' } });
      const anonymous = await direct.newPage();
      await anonymous.goto(inbox.url);
      await anonymous.locator('#runs').filter({ hasText: 'refused:' }).waitFor({ timeout: 20_000 });
      expect(await anonymous.locator('#runs').innerText()).toMatch(/did not come through the configured proxy/);
      await expect(anonymous.locator('#identity').innerText()).resolves.toContain('no identity');
      expect(await anonymous.locator('article').count()).toBe(0);
      await direct.close();

      const context = await browser.newContext();
      await behindProxy(context, inbox.url, 'sam');
      const page = await context.newPage();
      await page.goto(`${PUBLIC_ORIGIN}/`);
      const card = await cardOf(page, run.workflowId);
      await expect(page.locator('#identity').innerText()).resolves.toBe('acting as sam');
      await card.locator('textarea[name=text]').fill('wrong customer, stop here');
      await card.locator('button[data-decision=abort]').click();
      await card.locator('.result').filter({ hasText: 'done:' }).waitFor({ timeout: 20_000 });
      expect(await card.locator('.result').innerText()).toContain('done: abort by sam');
      await context.close();
    }, PUBLIC_ORIGIN);
    expect(escalation.kind).toBe('approval_required');

    const outcome = await run.result();
    const resolution = eventsOf(outcome.trace, 'resolution').at(-1)?.resolution;
    expect(resolution).toMatchObject({ decision: 'abort', by: 'sam', text: 'wrong customer, stop here' });
    expect(outcome.ledger.filter((e) => e.tool === 'issue_refund')).toEqual([]);
  });
}, 120_000);

test('the demo with --inbox waits for a person to approve in the inbox page, then finishes', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'durable-agent-inbox-demo-'));
  const env = hermeticEnv({ CI: 'true', DURABLE_AGENT_TEMPORAL_DB: join(scratch, 'temporal.sqlite') });
  const demo = spawn(process.execPath, [join(__dirname, '..', 'dist', 'cli', 'main.js'), 'demo', '--ephemeral', '--inbox', 'pat', '--inbox-port', '0'], {
    cwd: scratch,
    env,
  });
  let stdout = '';
  demo.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  demo.stderr.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => demo.on('exit', resolve));
  try {
    const deadline = Date.now() + 90_000;
    let inboxUrl: string | undefined;
    while (!inboxUrl && Date.now() < deadline) {
      inboxUrl = /inbox {5}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(inboxUrl).toBeDefined();
    // The demo does not decide on its own: it waits for the person.
    expect(stdout).not.toMatch(/approving as/);

    const page = await browser.newPage();
    await page.goto(inboxUrl as string);
    await page.locator('article button[data-decision=approve]').click();
    await page.locator('article .result').filter({ hasText: 'done:' }).waitFor({ timeout: 20_000 });
    await page.close();

    expect(await exited).toBe(0);
    expect(stdout).toContain('decided: approve by pat');
    expect(stdout).toMatch(/refund #\d+: order ord_1001, 4999 cents, .*approved by pat/);
  } finally {
    if (demo.exitCode === null) demo.kill('SIGKILL');
  }
}, 150_000);

/** Waits for a `.result` element to show a refusal, and returns its text. */
async function refusal(result: ReturnType<Page['locator']>): Promise<string> {
  await result.filter({ hasText: 'refused:' }).waitFor({ timeout: 20_000 });
  return result.innerText();
}
