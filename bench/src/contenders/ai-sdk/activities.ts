/**
 * The tool's activity for the ai-sdk agent (the model activity comes from @temporalio/ai-sdk's plugin).
 */
import { Context } from '@temporalio/activity';
import { lookupItem, type LookupInput, type LookupResult } from '../../agent-spec';
import { stepClock } from '../../step-clock';

export async function lookupItemActivity(input: LookupInput): Promise<LookupResult> {
  stepClock.mark(Context.current().info.workflowExecution?.workflowId ?? 'no-workflow');
  return lookupItem(input);
}
