/**
 * A long run is one run over several executions (it continues as new before its history grows large): how many it
 * has had, and when the first one started. Read from visibility: every execution under the run's workflow id is
 * one of its own, since a correlation id names one run (the client starts with REJECT_DUPLICATE).
 */
import { requiredTsToDate } from '@temporalio/common/lib/time';
import type { AgentClient } from '../client/agent-client';

export interface Executions {
  /** Executions so far, the current one included. */
  count: number;
  /** When the run started: its first execution's start, not the current one's. */
  firstStart: Date;
}

/** The run's executions, or `undefined` when visibility does not list it yet (it is eventually consistent). */
export async function executionsOf(client: AgentClient, workflowId: string): Promise<Executions | undefined> {
  const query = `WorkflowId = '${workflowId.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  let count = 0;
  let first: Date | undefined;
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.client.workflowService.listWorkflowExecutions({
      namespace: client.client.options.namespace,
      query,
      nextPageToken,
      pageSize: 1000,
    });
    for (const execution of page.executions ?? []) {
      count++;
      const start = requiredTsToDate(execution.startTime, 'startTime');
      if (!first || start < first) first = start;
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return first ? { count, firstStart: first } : undefined;
}
