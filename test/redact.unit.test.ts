/**
 * The credential scrubber for text that came back from the other side of a connection (a model error's body), and
 * the model-error classifier using it: no key or echoed token survives into a failure's message.
 */
import Anthropic from '@anthropic-ai/sdk';
import { classifyModelError } from '../activities/model-errors';
import { REDACTED_API_KEY, scrubCredentials } from '../common/redact';

const KEY = ['sk', 'ant', 'api03', 'echoed', '0123456789abcdef'].join('-');

describe('scrubCredentials', () => {
  test.each([
    [`x-api-key ${KEY}`, `x-api-key ${REDACTED_API_KEY}`],
    ['Authorization: Bearer gw_live_0123456789abcdef', 'Authorization: Bearer [redacted]'],
    ['authorization=Basic dXNlcjpwYXNzd29yZA==', 'authorization=Basic [redacted]'],
    ['{"x-api-key": "abcdef0123456789"}', '{"x-api-key": "[redacted]"}'],
    ['api_key=abcdef0123456789&x=1', 'api_key=[redacted]&x=1'],
  ])('%s', (text, scrubbed) => {
    expect(scrubCredentials(text)).toBe(scrubbed);
  });

  test('ordinary error text is left alone', () => {
    for (const text of ['invalid x-api-key', 'messages: roles must alternate', 'Overloaded', 'bearer of bad news']) {
      expect(scrubCredentials(text)).toBe(text);
    }
  });
});

describe('classifyModelError scrubs what the other side said', () => {
  const body = (message: string) => ({ type: 'error', error: { type: 'authentication_error', message } });
  test.each([401, 400, 429, 500, 529])('a %i whose body echoes the key', (status) => {
    const message = `invalid credentials: x-api-key ${KEY}; Authorization: Bearer gw_live_0123456789abcdef`;
    const failure = classifyModelError(Anthropic.APIError.generate(status, body(message), message, new Headers()));
    expect(failure.message).toContain('invalid credentials');
    expect(failure.message).not.toContain(KEY);
    expect(failure.message).not.toContain('gw_live_0123456789abcdef');
    expect(failure.stack ?? '').not.toContain(KEY);
  });

  test('a transport error naming the key', () => {
    const failure = classifyModelError(new Error(`connect ECONNREFUSED (proxy said: bad key ${KEY})`));
    expect(failure.message).not.toContain(KEY);
  });
});
