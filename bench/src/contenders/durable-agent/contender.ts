/**
 * (c) durable-agent, driven through its public client: `AgentClient.start` and `AgentRun.result`.
 */
import { performance } from 'node:perf_hooks';
import { AgentClient, type AgentRun } from '../../../../dist/index';
import { TemporalContender } from '../temporal-contender';
import type { RunOutcome, RunSpec } from '../types';
import { BENCH_AGENT } from './agent';

export class DurableAgent extends TemporalContender {
  readonly id = 'c' as const;
  readonly taskQueue = 'bench-durable-agent';
  private agents?: AgentClient;
  private runs = new Map<string, AgentRun>();

  override async start(): Promise<void> {
    this.agents = await AgentClient.connect({ address: this.env.address, namespace: this.env.namespace, taskQueue: this.taskQueue });
    await super.start();
  }

  async startRun(spec: RunSpec): Promise<string> {
    if (!this.agents) throw new Error('durable-agent contender not started');
    const run = await this.agents.start(BENCH_AGENT, spec.prompt, { correlationId: spec.runId, scenario: spec.scenario });
    this.runs.set(run.workflowId, run);
    return run.workflowId;
  }

  /** A run can end "completed" as an execution yet not as a run (timed out, cancelled): ask the run itself. */
  override async awaitRun(workflowId: string, spec: RunSpec, startedAt: number): Promise<RunOutcome> {
    const run = this.runs.get(workflowId);
    if (!run) return super.awaitRun(workflowId, spec, startedAt);
    this.runs.delete(workflowId);
    try {
      const result = await run.result();
      const wallMs = performance.now() - startedAt;
      const ok = result.status === 'completed';
      return { runId: spec.runId, markKey: workflowId, ok, status: result.status, wallMs, ...(ok ? {} : { detail: result.text }) };
    } catch (err) {
      // Terminated by the server (history limits), or a result the client could not take (gRPC's 4 MB default):
      // the bench's own client reads the outcome, and the detail says what AgentRun.result() did.
      const outcome = await super.awaitRun(workflowId, spec, startedAt);
      const why = `AgentRun.result() threw: ${err instanceof Error ? err.message : String(err)}`;
      return { ...outcome, detail: outcome.detail ? `${outcome.detail}; ${why}` : why };
    }
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.agents?.client.connection.close();
    this.agents = undefined;
  }
}
