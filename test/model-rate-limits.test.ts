/**
 * Rate limits and overload do not wake a person: the model step rides them out for a time budget, honouring
 * `retry-after`, and says how many attempts it took; only a spent budget escalates. Other failures keep their count.
 * A retried tool call says so too. Real dev server, real Anthropic SDK, the scripted model (docs/design.md, "Exactly
 * one layer owns retries").
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { SILENT_SINKS } from '../workers/workflow-bundle';
import { defineAgent, defineTool } from '../agents/define';
import type { AgentRun } from '../client/agent-client';
import type { RunOptions } from '../common/run';
import { summarize } from '../common/trace-text';
import { resetExecutions, testAgent } from './fixtures/test-agent';
import type { LocalBlobStore } from '../stores/local-store';
import { runCli } from './helpers/cli-process';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';

const env = useTestEnv('model-rate-limits');
beforeEach(() => resetExecutions());

/** Short backoff for the failures that keep their count (200 ms doubling to 400 ms, 5 attempts). */
const FAST: RunOptions = { modelRetry: { initialIntervalMs: 200, maximumIntervalMs: 400 } };

/** First attempts of `stall_once` by call: the first blocks this process past its heartbeat timeout. */
const stalled = new Set<string>();
const stallOnce = defineTool({
  name: 'stall_once',
  description: 'Writes a note; its first attempt stops heartbeating, as if its worker died.',
  input: z.object({ note: z.string() }),
  effect: 'write',
  heartbeatTimeoutMs: 1_000,
  maximumAttempts: 3,
  run: async ({ note }, ctx) => {
    if (!stalled.has(ctx.idempotencyKey)) {
      stalled.add(ctx.idempotencyKey);
      // Blocks the event loop: no heartbeat leaves this worker, so the server times the attempt out (heartbeat
      // timeout) and schedules the next one, exactly as for a worker that died. This attempt's late answer is refused.
      // Past the 1 s heartbeat timeout, and (usually) over before the retry starts 500 ms after it; if that retry
      // starts while this worker is still silent it times out too, and the test allows for it.
      const until = Date.now() + 1_400;
      while (Date.now() < until) {
        /* a worker gone silent */
      }
    }
    return { written: note };
  },
});

const retryAgent = defineAgent({ ...testAgent, name: 'tester-retries', tools: [...testAgent.tools, stallOnce] });
/** An agent that allows 1.5 s of rate limiting per step: a run cannot widen it. */
const tightAgent = defineAgent({ ...testAgent, name: 'tester-tight', modelRetry: { rateLimitBudgetMs: 1_500 } });

function start(agent: string, scenario: string, options: RunOptions = FAST): Promise<AgentRun> {
  return env().client.start(agent, 'hello', { scenario, correlationId: uniqueId(scenario), options });
}

/** The run's current details as the Temporal UI reads them: the SDK's built-in metadata query. */
async function uiDetails(run: AgentRun): Promise<string> {
  const metadata = await run.handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

function requestsOf(run: AgentRun) {
  return env().model.requests.filter((r) => r.runKey === run.workflowId);
}

describe('rate limits ride out within the budget', () => {
  test('five 429s with retry-after 1 s: the step takes six attempts, the run completes, trace and explain say so', async () => {
    await env().withWorker([retryAgent], async () => {
      // The default 5 attempts would have been spent by the burst; rate limits are not counted.
      const run = await start('tester-retries', 'model-429-burst');
      const result = await run.result();
      expect(result).toMatchObject({ status: 'completed', text: 'Answer after the burst.' });
      const sent = requestsOf(run);
      expect(sent.map((r) => r.status)).toEqual([429, 429, 429, 429, 429, 200]);
      // Each retry waited its retry-after (1 s, plus at most 10 %).
      sent.slice(1).forEach((r, i) => expect(Date.parse(r.at) - Date.parse(sent[i]!.at)).toBeGreaterThanOrEqual(1_000 - 5));
      const [response] = eventsOf(result.trace, 'model_response');
      expect(response?.attempts).toMatchObject({ count: 6 });
      expect(response?.attempts?.reasons.map((r) => r.kind)).toEqual(Array(5).fill('rate_limited'));
      expect(response?.attempts?.waitedMs).toBeGreaterThanOrEqual(5_000);
      expect(response?.attempts?.waitedMs).toBeLessThanOrEqual(5_500);
      expect(await run.explain()).toMatch(/Step 1: the model call took 6 attempts: rate limited 5 times, waited 5\.\d s in all\./);
      // The Temporal UI's current details list the retried call, though history holds no event per attempt.
      const details = await uiDetails(run);
      expect(details).toMatch(/^\*\*tester-retries\*\* · completed · step 1 · /);
      expect(details).toMatch(/\*\*Calls that took more than one attempt:\*\* 1\n- step 1, the model call: took 6 attempts: rate limited 5 times, waited 5\.\d s in all$/);
      // History keeps no event per attempt: one scheduled model activity.
      const history = await run.handle.fetchHistory();
      const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'model.call');
      expect(scheduled).toHaveLength(1);
    });
  }, 60_000);
});

describe('a spent budget escalates', () => {
  test("a run's small budget (2.5 s) is spent by the burst: model_unavailable, saying how many attempts and why", async () => {
    await env().withWorker([retryAgent], async () => {
      const run = await start('tester-retries', 'model-429-burst', { modelRetry: { ...FAST.modelRetry, rateLimitBudgetMs: 2_500 } });
      const escalation = await waitForEscalation(run);
      expect(escalation.kind).toBe('model_unavailable');
      // 429 at 0 s (waits 1 s), at 1 s (waits 1 s), at 2 s: 2 s + 1 s would pass 2.5 s.
      expect(escalation.reason).toMatch(
        /^model step 1 failed \(ModelRateLimited, took 3 attempts: rate limited 3 times, waited 2\.\d s in all\): model rate limited \(429 rate_limit_error: .*\); rate limited for 2\.\d s, and the next wait \(1\.\d s\) would pass the step's rate-limit budget of 2\.5 s$/,
      );
      expect(requestsOf(run).map((r) => r.status)).toEqual([429, 429, 429]);
      // The UI's current details say the run waits for a person, and why.
      expect(await uiDetails(run)).toMatch(
        new RegExp(`· escalated · step 1 · .*\\n\\n\\*\\*Waiting for a person:\\*\\* model_unavailable \\(\`${escalation.id}\`\\): model step 1 failed \\(ModelRateLimited, took 3 attempts`),
      );
      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
      expect((await run.result()).status).toBe('failed');
    });
  }, 60_000);

  test("the agent's budget is a ceiling: a run that asks for more gets the agent's 1.5 s", async () => {
    await env().withWorker([tightAgent], async () => {
      const run = await start('tester-tight', 'model-429-burst', { modelRetry: { ...FAST.modelRetry, rateLimitBudgetMs: 600_000 } });
      const escalation = await waitForEscalation(run);
      expect(escalation.reason).toMatch(/^model step 1 failed \(ModelRateLimited, took 2 attempts: .* budget of 1\.5 s$/);
      expect(requestsOf(run).map((r) => r.status)).toEqual([429, 429]);
      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
      await run.result();
    });
  }, 60_000);
});

describe('other failures keep their count', () => {
  test('500 on every attempt: exactly 5 attempts, then escalation, though the policy no longer counts', async () => {
    await env().withWorker([retryAgent], async () => {
      const run = await start('tester-retries', 'model-server-error');
      const escalation = await waitForEscalation(run);
      expect(escalation.reason).toMatch(/^model step 1 failed \(ModelServerError, all 5 attempts failed\): model server error \(500 api_error/);
      expect(requestsOf(run).map((r) => r.status)).toEqual([500, 500, 500, 500, 500]);
      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
      await run.result();
    });
  }, 60_000);
});

describe('a retried tool call says so', () => {
  test('a write whose first attempt went silent: trace, explain and ledger say it ran on attempt 2 after the worker was lost', async () => {
    await env().withWorker([retryAgent], async () => {
      const run = await start('tester-retries', 'tool-worker-lost');
      const result = await run.result();
      expect(result.status).toBe('completed');
      const [toolResult] = eventsOf(result.trace, 'tool_result');
      const count = toolResult?.attempts?.count ?? 0;
      expect(count).toBeGreaterThanOrEqual(2);
      const lost = Array.from({ length: count - 1 }, (_, i) => ({ attempt: i + 1, kind: 'worker_lost' }));
      expect(toolResult?.attempts).toEqual({ count, reasons: lost, waitedMs: 0 });
      const [entry] = result.ledger;
      expect(entry?.attempts).toEqual(toolResult?.attempts);
      const [action] = eventsOf(result.trace, 'action');
      expect(summarize(action!)).toMatch(count === 2 ? /, ran on attempt 2 after the worker was lost$/ : /, ran on attempt \d after the worker was lost \d times$/);
      // The ledger's time is when the action completed: after the first attempt's heartbeat timeout.
      const [call] = eventsOf(result.trace, 'tool_call');
      expect(Date.parse(entry!.at) - Date.parse(call!.at)).toBeGreaterThanOrEqual(1_000);
      const lostWords = count === 2 ? "attempt 1's worker was lost, retried after its heartbeat timeout" : 'were lost, each retried after its heartbeat timeout';
      expect(await run.explain()).toContain(`stall_once ran and returned {"written":"hello"}; the call took ${count} attempts: `);
      expect(await run.explain()).toContain(lostWords);
      expect(await uiDetails(run)).toContain(`- step 1, stall_once: took ${count} attempts: `);
      // `durable-agent ledger` (the built CLI, as a person runs it) says so under the entry.
      const scratch = mkdtempSync(join(tmpdir(), 'durable-agent-ledger-'));
      const { server, taskQueue } = env();
      // The workers' store: the run's ledger is archived there.
      const storeEnv = { DURABLE_AGENT_STORE: `local:${(env().store as LocalBlobStore).dir}` };
      const ledger = await runCli({ address: server.address, namespace: server.namespace, taskQueue, scratch }, ['ledger', run.workflowId], { env: storeEnv });
      expect(ledger.stderr).toBe('');
      expect(ledger.stdout).toContain(count === 2 ? '    ran on attempt 2 after the worker was lost (took 2 attempts: ' : '    ran on attempt ');
    });
  }, 60_000);
});

test('a run recorded before the rate-limit budget (five 529s spent its attempts and escalated) still replays so', async () => {
  // The recorded failure is the fifth attempt's, with no attempts in its details: the run escalates as it did.
  const file = join(__dirname, 'histories', 'before-rate-limit-budget', 'model-overloaded-answer.json');
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string }, sinks: SILENT_SINKS },
    history,
    'tester-recorded-model-overloaded-answer',
  );
});
