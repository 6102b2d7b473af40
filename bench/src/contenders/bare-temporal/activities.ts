/**
 * Bare Temporal's two activities: one model call (the same SDK call as the plain loop) and one tool call.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { ANTHROPIC_TOOL, BENCH_MODEL, BENCH_SYSTEM, lookupItem, SCENARIO_HEADER, type LookupInput, type LookupResult } from '../../agent-spec';
import { stepClock } from '../../step-clock';

export interface CallModelInput {
  messages: Anthropic.MessageParam[];
  scenario: string;
}

/** Only what the loop needs goes back into history: the content and why the model stopped. */
export interface CallModelResult {
  content: Anthropic.ContentBlock[];
  stopReason: Anthropic.StopReason | null;
}

export function createBareActivities(anthropic: Anthropic) {
  return {
    async callModel(input: CallModelInput): Promise<CallModelResult> {
      const message = await anthropic.messages.create(
        { model: BENCH_MODEL, max_tokens: 1024, system: BENCH_SYSTEM, tools: [ANTHROPIC_TOOL], messages: input.messages },
        { headers: { [SCENARIO_HEADER]: input.scenario } },
      );
      return { content: message.content, stopReason: message.stop_reason };
    },
    async lookupItem(input: LookupInput): Promise<LookupResult> {
      stepClock.mark(Context.current().info.workflowExecution?.workflowId ?? 'no-workflow');
      return lookupItem(input);
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
