/**
 * The escalation inbox's HTTP API against a real dev server: what it refuses, and who the page acts as.
 * test/inbox-browser.chaos.test.ts clicks through the page in headless Chromium.
 */
import { startInboxServer, type InboxIdentity, type InboxServer } from '../inbox/server';
import { tempDataDir, useTestEnv } from './helpers/test-env';

const env = useTestEnv('inbox');
beforeAll(() => {
  process.env.DURABLE_AGENT_DATA_DIR = tempDataDir();
});

async function withInbox<T>(identity: InboxIdentity, fn: (inbox: InboxServer) => Promise<T>): Promise<T> {
  const inbox = await startInboxServer({ client: env().client, identity });
  try {
    return await fn(inbox);
  } finally {
    await inbox.close();
  }
}

test('the API refuses cross-origin posts, non-JSON bodies and malformed decisions, and say who the page acts as', async () => {
  await withInbox({ name: 'pat' }, async (inbox) => {
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${inbox.url}/api/runs/ops-nothing/resolve`, { method: 'POST', body, headers });
    const evil = await post('{"escalationId":"x","decision":"approve"}', { 'content-type': 'application/json', origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    expect((await post('escalationId=x', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    const bad = await post('{"escalationId":"x","decision":"maybe"}', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/decision must be one of approve, reject, edit, answer, abort/);
    const unknown = await post('{"escalationId":"x","decision":"approve"}', { 'content-type': 'application/json' });
    expect(unknown.status).toBe(404);
    const listing = (await (await fetch(`${inbox.url}/api/escalations`)).json()) as { identity: string; runs: unknown[] };
    expect(listing.identity).toBe('pat');
  });
}, 60_000);
