/**
 * (b) The client side of bare Temporal: start `bareAgentWorkflow` on its task queue.
 */
import { TemporalContender } from '../temporal-contender';
import type { RunSpec } from '../types';
import type { BareRunInput } from './workflows';

export class BareTemporal extends TemporalContender {
  readonly id = 'b' as const;
  readonly taskQueue = 'bench-bare-temporal';

  async startRun(spec: RunSpec): Promise<string> {
    const input: BareRunInput = { prompt: spec.prompt, scenario: spec.scenario, maxSteps: spec.steps + 1 };
    await this.env.client.workflow.start('bareAgentWorkflow', { taskQueue: this.taskQueue, workflowId: spec.runId, args: [input] });
    return spec.runId;
  }
}
