/**
 * (a) The floor for logic: the agent loop in this process, with the same SDK call and the same tool as everyone
 * else, and nothing durable. A crash loses the run.
 */
import { performance } from 'node:perf_hooks';
import Anthropic from '@anthropic-ai/sdk';
import { ANTHROPIC_TOOL, BENCH_MODEL, BENCH_SYSTEM, lookupItem, SCENARIO_HEADER, type LookupInput } from '../agent-spec';
import { stepClock } from '../step-clock';
import { CONTENDER_LABELS, type BenchEnv, type Contender, type RunOutcome, type RunSpec } from './types';

export class PlainLoop implements Contender {
  readonly id = 'a' as const;
  readonly label = CONTENDER_LABELS.a;
  private readonly anthropic: Anthropic;

  constructor(env: BenchEnv) {
    this.anthropic = new Anthropic({ apiKey: 'scripted-model', baseURL: env.modelUrl, maxRetries: 0 });
  }

  async start(): Promise<void> {}

  async run(spec: RunSpec): Promise<RunOutcome> {
    const startedAt = performance.now();
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: spec.prompt }];
    const outcome = (ok: boolean, status: string, detail?: string): RunOutcome => ({
      runId: spec.runId,
      markKey: spec.runId,
      ok,
      status,
      wallMs: performance.now() - startedAt,
      ...(detail ? { detail } : {}),
    });
    for (let step = 1; step <= spec.steps + 1; step++) {
      const reply = await this.anthropic.messages.create(
        { model: BENCH_MODEL, max_tokens: 1024, system: BENCH_SYSTEM, tools: [ANTHROPIC_TOOL], messages },
        { headers: { [SCENARIO_HEADER]: spec.scenario } },
      );
      messages.push({ role: 'assistant', content: reply.content });
      const uses = reply.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      if (uses.length === 0) return outcome(true, 'completed');
      const results: Anthropic.ToolResultBlockParam[] = uses.map((use) => {
        stepClock.mark(spec.runId);
        return { type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(lookupItem(use.input as LookupInput)) };
      });
      messages.push({ role: 'user', content: results });
    }
    return outcome(false, 'failed', 'no final answer');
  }

  async takeMarks(keys: string[]): Promise<Record<string, number[]>> {
    return stepClock.take(keys);
  }

  async stop(): Promise<void> {}
}
