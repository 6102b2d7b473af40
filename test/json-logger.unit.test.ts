/**
 * Worker logs are JSON lines carrying the run's ids; configured fields are redacted; an API key never survives.
 */
import { Writable } from 'node:stream';
import type { DestinationStream } from 'pino';
import { createJsonLogger } from '../workers/json-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination: destination as unknown as DestinationStream };
}

const KEY = ['sk', 'ant', 'api03', 'abcdefghijklmnop'].join('-');

test('one JSON object per line, with correlation id, workflow id and step', () => {
  const { lines, destination } = capture();
  const log = createJsonLogger({ level: 'INFO', destination }, {});
  log.info('tool call', { correlationId: 'c-1', workflowId: 'ops-c-1', step: 3, tool: 'issue_refund' });
  log.debug('not at this level');
  expect(lines).toEqual([
    expect.objectContaining({ level: 'info', msg: 'tool call', correlationId: 'c-1', workflowId: 'ops-c-1', step: 3, tool: 'issue_refund', time: expect.any(String) }),
  ]);
});

test('configured fields are redacted; an API key is scrubbed from messages and fields alike', () => {
  const { lines, destination } = capture();
  const log = createJsonLogger({ level: 'INFO', destination }, { DURABLE_AGENT_LOG_REDACT: 'email, args.cardNumber' });
  log.warn(`request failed with key ${KEY}`, { email: 'ana@example.com', args: { cardNumber: '4111', amount: 5 }, headers: { 'x-api-key': KEY } });
  const [line] = lines;
  expect(line).toMatchObject({ email: '[redacted]', args: { cardNumber: '[redacted]', amount: 5 } });
  expect(JSON.stringify(lines)).not.toContain(KEY);
  expect(line?.msg).toBe('request failed with key [redacted api key]');
});
