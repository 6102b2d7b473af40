/**
 * An agent built the way @temporalio/ai-sdk's samples build one: `generateText` with the Temporal provider (each
 * model call an activity, through the plugin) and a tool whose `execute` calls an activity. The scenario header
 * rides on the call options, as any per-request header would.
 */
import { generateText, isStepCount, tool } from 'ai';
import { temporalProvider } from '@temporalio/ai-sdk/workflow';
import { proxyActivities } from '@temporalio/workflow';
import { z } from 'zod';
import { BENCH_MODEL, BENCH_SYSTEM, KEY_DESCRIPTION, SCENARIO_HEADER, TOOL_DESCRIPTION, TOOL_NAME } from '../../agent-spec';
import type * as activities from './activities';

const { lookupItemActivity } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

export interface AiSdkRunInput {
  prompt: string;
  scenario: string;
  maxSteps: number;
}

export async function aiSdkAgentWorkflow(input: AiSdkRunInput): Promise<{ steps: number; text: string }> {
  const result = await generateText({
    model: temporalProvider.languageModel(BENCH_MODEL),
    system: BENCH_SYSTEM,
    prompt: input.prompt,
    headers: { [SCENARIO_HEADER]: input.scenario },
    tools: {
      [TOOL_NAME]: tool({
        description: TOOL_DESCRIPTION,
        inputSchema: z.object({ key: z.string().describe(KEY_DESCRIPTION) }),
        execute: (args) => lookupItemActivity(args),
      }),
    },
    stopWhen: isStepCount(input.maxSteps),
  });
  // Only a summary goes back: the steps are in history already, as activity inputs and results.
  return { steps: result.steps.length, text: result.text };
}
