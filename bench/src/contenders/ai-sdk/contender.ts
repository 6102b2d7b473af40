/**
 * (d) The client side of the @temporalio/ai-sdk agent. Its worker needs Node >= 22.12 (bench/node22); without
 * one the contender is unavailable and the tables say why.
 */
import { TemporalContender } from '../temporal-contender';
import { ContenderUnavailable, type RunSpec } from '../types';
import type { AiSdkRunInput } from './workflows';

export class AiSdkAgent extends TemporalContender {
  readonly id = 'd' as const;
  readonly taskQueue = 'bench-ai-sdk';

  protected override workerExecPath(): string {
    const node = this.env.node22;
    if (!node.ok) throw new ContenderUnavailable(node.reason);
    return node.path;
  }

  async startRun(spec: RunSpec): Promise<string> {
    const input: AiSdkRunInput = { prompt: spec.prompt, scenario: spec.scenario, maxSteps: spec.steps + 1 };
    await this.env.client.workflow.start('aiSdkAgentWorkflow', { taskQueue: this.taskQueue, workflowId: spec.runId, args: [input] });
    return spec.runId;
  }
}
