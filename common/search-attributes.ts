/**
 * The custom search attributes a run keeps current, so `durable-agent list` can find runs by agent, status and
 * pending escalation through Temporal's visibility store, across workers and restarts. Defined here once:
 * temporal-config registers `SEARCH_ATTRIBUTE_KEYS` on the dev servers it starts, and the tests' servers get the
 * same list.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AGENT_NAME = defineSearchAttributeKey('AgentName', SearchAttributeType.KEYWORD);
export const AGENT_STATUS = defineSearchAttributeKey('AgentStatus', SearchAttributeType.KEYWORD);
export const CORRELATION_ID = defineSearchAttributeKey('CorrelationId', SearchAttributeType.KEYWORD);
export const ESCALATION_PENDING = defineSearchAttributeKey('EscalationPending', SearchAttributeType.BOOL);

/**
 * Every key above. A server must know them before a workflow upserts one (an unregistered attribute fails the
 * workflow task), e.g. `TestWorkflowEnvironment.createLocal({ server: { searchAttributes: SEARCH_ATTRIBUTE_KEYS } })`.
 */
export const SEARCH_ATTRIBUTE_KEYS = [AGENT_NAME, AGENT_STATUS, CORRELATION_ID, ESCALATION_PENDING] as const;
