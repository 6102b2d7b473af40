/**
 * The custom search attributes a run keeps current, so `durable-agent list` can find runs by agent, status and
 * pending escalation through Temporal's visibility store, across workers and restarts. temporal-config registers
 * them on the dev server.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AGENT_NAME = defineSearchAttributeKey('AgentName', SearchAttributeType.KEYWORD);
export const AGENT_STATUS = defineSearchAttributeKey('AgentStatus', SearchAttributeType.KEYWORD);
export const CORRELATION_ID = defineSearchAttributeKey('CorrelationId', SearchAttributeType.KEYWORD);
export const ESCALATION_PENDING = defineSearchAttributeKey('EscalationPending', SearchAttributeType.BOOL);

/** Registration form for `temporal server start-dev --search-attribute NAME=Type`. */
export const SEARCH_ATTRIBUTE_REGISTRATION: Record<string, 'Keyword' | 'Bool'> = {
  [AGENT_NAME.name]: 'Keyword',
  [AGENT_STATUS.name]: 'Keyword',
  [CORRELATION_ID.name]: 'Keyword',
  [ESCALATION_PENDING.name]: 'Bool',
};
