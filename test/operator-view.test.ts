/**
 * What an operator sees in the Temporal UI without reading code: a readable workflow id, a summary of the run,
 * activities named after what they do and labelled with what each call was, and a memo.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { opsAgent } from '../examples/ops-agent/agent';
import { resetExecutions, testAgent } from './fixtures/test-agent';
import { uniqueId, waitForEscalation } from './helpers/runs';
import { tempDataDir, useTestEnv } from './helpers/test-env';

const env = useTestEnv('operator');
beforeEach(() => resetExecutions());

test('the run and each activity carry a summary; the memo names agent, prompt and mode', async () => {
  await env().withWorker([testAgent], async () => {
    const correlationId = uniqueId('ui');
    const run = await env().client.start('tester', 'say hi\nand more detail', { scenario: 'happy', correlationId });
    await run.result();
    expect(run.workflowId).toBe(`tester-${correlationId}`);
    const description = await run.handle.describe();
    expect(await description.staticSummary()).toBe('tester: say hi');
    expect(description.memo).toEqual({ agent: 'tester', prompt: 'say hi', mode: 'act', correlationId });

    const history = await run.handle.fetchHistory();
    const scheduled = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => ({
        type: e.activityTaskScheduledEventAttributes?.activityType?.name,
        summary: e.userMetadata?.summary ? defaultPayloadConverter.fromPayload(e.userMetadata.summary) : undefined,
      }));
    expect(scheduled).toEqual([
      { type: 'agent.describe', summary: undefined },
      { type: 'model.call', summary: 'step 1: ask claude-test (1 messages)' },
      { type: 'tool.echo', summary: 'echo {"text":"hi"}' },
      { type: 'model.call', summary: 'step 2: ask claude-test (3 messages)' },
    ]);
  });
});

test('explain tells the run in plain language: the ask, the refused call, the correction, the approval, the end', async () => {
  process.env.DURABLE_AGENT_DATA_DIR = tempDataDir();
  await env().withWorker([opsAgent], async () => {
    const run = await env().client.start('ops', 'Refund Ana for the broken teapot.', { scenario: 'demo', correlationId: uniqueId('explain') });
    const escalation = await waitForEscalation(run);
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    await run.result();
    const story = await run.explain();
    expect(story).toContain('The ops agent was asked: "Refund Ana for the broken teapot."');
    expect(story).toMatch(/its call to schedule_callback was refused before it ran \(its arguments did not match the schema: startsAt should be an ISO 8601 date-time .* but was "next Tuesday 3pm"\)/);
    expect(story).toContain('the model was sent the error and given corrective attempt 1 of 1');
    expect(story).toMatch(/the run stopped and waited for a person \(approval_required\)/);
    expect(story).toMatch(/pat decided: approve after \d+ s/);
    expect(story).toMatch(/that was an action \(irreversible\), recorded in the ledger under key .*, approved by pat/);
    expect(story).toMatch(/It ended completed: "Done:/);
  });
});
