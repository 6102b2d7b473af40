/** Metric labels take only known values: model- and client-written strings never become Prometheus series. */
import { metricLabels } from '../../workflows/metrics';
import type { TraceEventBody } from '../../common/trace';

const tools = ['lookup', 'refund'];

test('known values pass through', () => {
  const event: TraceEventBody = { kind: 'validation_error', error: { tool: 'refund', toolUseId: 't', code: 'invalid_input', message: '' }, args: null };
  expect(metricLabels('ops', event, tools)).toEqual({ agent: 'ops', tool: 'refund', code: 'invalid_input' });
});

test('a tool name the model made up is "unknown", however long', () => {
  const event: TraceEventBody = { kind: 'validation_error', error: { tool: 'x'.repeat(100_000), toolUseId: 't', code: 'unknown_tool', message: '' }, args: null };
  expect(metricLabels('ops', event, tools)).toEqual({ agent: 'ops', tool: 'unknown', code: 'unknown_tool' });
});

test("a Signal's made-up decision and an agent name that is not a name are \"invalid\"", () => {
  const event = { kind: 'resolution', resolution: { escalationId: 'e', decision: 'pwn'.repeat(1000), by: 'x' }, accepted: false } as unknown as TraceEventBody;
  expect(metricLabels('ops\nrm -rf', event, tools)).toEqual({ agent: 'invalid', decision: 'invalid', accepted: 'false' });
});

test('an unknown escalation kind is "invalid"; events without counters have no labels', () => {
  const event = { kind: 'escalation', escalation: { kind: 'made_up' } } as unknown as TraceEventBody;
  expect(metricLabels('ops', event, tools)).toEqual({ agent: 'ops', kind: 'invalid' });
  expect(metricLabels('ops', { kind: 'completion', status: 'completed', text: '' }, tools)).toBeUndefined();
});
