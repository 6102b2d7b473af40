/**
 * What an operator sees in the Temporal UI without reading code: a readable workflow id, a summary of the run,
 * activities named after what they do and labelled with what each call was, and a memo.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { resetExecutions, testAgent } from './fixtures/test-agent';
import { uniqueId } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';

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
