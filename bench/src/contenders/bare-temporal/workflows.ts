/**
 * The engine's floor: the smallest agent loop on Temporal that is still durable. One activity per model step,
 * one per tool call, the conversation held in workflow state and sent to each model call (as the Temporal
 * samples do); no validation, trace, policy or search attributes.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type Anthropic from '@anthropic-ai/sdk';
import type { BareActivities } from './activities';

const { callModel, lookupItem } = proxyActivities<BareActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

export interface BareRunInput {
  prompt: string;
  scenario: string;
  maxSteps: number;
}

export interface BareRunResult {
  steps: number;
  text: string;
}

export async function bareAgentWorkflow(input: BareRunInput): Promise<BareRunResult> {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: input.prompt }];
  for (let step = 1; step <= input.maxSteps; step++) {
    const reply = await callModel({ messages, scenario: input.scenario });
    messages.push({ role: 'assistant', content: reply.content });
    const uses = reply.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    if (uses.length === 0) {
      const text = reply.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      return { steps: step, text };
    }
    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const use of uses) {
      const output = await lookupItem(use.input as { key: string });
      results.push({ type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(output) });
    }
    messages.push({ role: 'user', content: results });
  }
  throw ApplicationFailure.nonRetryable(`no final answer within ${input.maxSteps} steps`, 'StepLimit');
}
