/**
 * Who the inbox acts as, from the CLI's options (test/inbox.test.ts and test/inbox-browser.chaos.test.ts serve it).
 */
import { identityFromOptions } from '../cli/commands/inbox';

test('the CLI takes one identity source, and refuses to serve off loopback without a proxy header', () => {
  expect(identityFromOptions({ host: '127.0.0.1', port: '0', as: 'pat' }, {})).toEqual({ name: 'pat' });
  expect(identityFromOptions({ host: '127.0.0.1', port: '0' }, { DURABLE_AGENT_INBOX_USER: 'kim' })).toEqual({ name: 'kim' });
  expect(identityFromOptions({ host: '0.0.0.0', port: '0', identityHeader: 'X-Forwarded-User' }, {})).toEqual({ header: 'X-Forwarded-User' });
  expect(identityFromOptions({ host: '127.0.0.1', port: '0' }, {})).toEqual({});
  expect(() => identityFromOptions({ host: '0.0.0.0', port: '0', as: 'pat' }, {})).toThrow(/behind an authenticating proxy/);
  expect(() => identityFromOptions({ host: '127.0.0.1', port: '0', as: 'pat', identityHeader: 'X-User' }, {})).toThrow(/not both/);
  expect(() => identityFromOptions({ host: '127.0.0.1', port: '0', as: '  ' }, {})).toThrow(/must name a person/);
  expect(() => identityFromOptions({ host: '127.0.0.1', port: '0', identityHeader: 'X User:' }, {})).toThrow(/header name/);
});
