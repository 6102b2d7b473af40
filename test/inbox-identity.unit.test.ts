/**
 * Who the inbox acts as, from the CLI's options (test/inbox.test.ts and test/inbox-browser.chaos.test.ts serve it).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityFromOptions, publicOriginFromOptions } from '../cli/commands/inbox';

const SECRET = 'a-shared-secret-of-32-characters';
const PROXY_ENV = { DURABLE_AGENT_INBOX_PROXY_SECRET: SECRET };

test('the CLI takes one identity source, and refuses to serve off loopback without a proxy header', () => {
  expect(identityFromOptions({ host: '127.0.0.1', port: '0', as: 'pat' }, {})).toEqual({ name: 'pat' });
  expect(identityFromOptions({ host: '127.0.0.1', port: '0' }, { DURABLE_AGENT_INBOX_USER: 'kim' })).toEqual({ name: 'kim' });
  expect(identityFromOptions({ host: '0.0.0.0', port: '0', identityHeader: 'X-Forwarded-User', proxySecretHeader: 'X-Proxy-Secret' }, PROXY_ENV)).toEqual({
    header: 'X-Forwarded-User',
    proxySecret: { header: 'X-Proxy-Secret', value: SECRET },
  });
  expect(identityFromOptions({ host: '127.0.0.1', port: '0' }, {})).toEqual({});
  expect(() => identityFromOptions({ host: '0.0.0.0', port: '0', as: 'pat' }, {})).toThrow(/behind an authenticating proxy/);
  expect(() => identityFromOptions({ host: '127.0.0.1', port: '0', as: 'pat', identityHeader: 'X-User' }, {})).toThrow(/not both/);
  expect(() => identityFromOptions({ host: '127.0.0.1', port: '0', as: '  ' }, {})).toThrow(/must name a person/);
  expect(() => identityFromOptions({ host: '127.0.0.1', port: '0', identityHeader: 'X User:' }, {})).toThrow(/header name/);
});

test('an identity header is trusted only with a proxy secret, read from the environment or a file, never from an argument', () => {
  const behindProxy = { host: '0.0.0.0', port: '0', identityHeader: 'X-Forwarded-User' };
  expect(() => identityFromOptions(behindProxy, PROXY_ENV)).toThrow(/needs --proxy-secret-header/);
  expect(() => identityFromOptions({ ...behindProxy, proxySecretHeader: 'X-Proxy-Secret' }, {})).toThrow(/DURABLE_AGENT_INBOX_PROXY_SECRET or --proxy-secret-file/);
  expect(() => identityFromOptions({ ...behindProxy, proxySecretHeader: 'X-Proxy-Secret' }, { DURABLE_AGENT_INBOX_PROXY_SECRET: 'too-short' })).toThrow(/at least 16/);
  expect(() => identityFromOptions({ ...behindProxy, proxySecretHeader: 'X Secret' }, PROXY_ENV)).toThrow(/header name/);
  expect(() => identityFromOptions({ ...behindProxy, proxySecretHeader: 'x-forwarded-user' }, PROXY_ENV)).toThrow(/different headers/);
  expect(() => identityFromOptions({ host: '127.0.0.1', port: '0', as: 'pat', proxySecretHeader: 'X-Proxy-Secret' }, PROXY_ENV)).toThrow(/goes with --identity-header/);

  const file = join(mkdtempSync(join(tmpdir(), 'inbox-secret-')), 'secret');
  writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
  expect(identityFromOptions({ ...behindProxy, proxySecretHeader: 'X-Proxy-Secret', proxySecretFile: file }, {})).toMatchObject({ proxySecret: { value: SECRET } });
  expect(() => identityFromOptions({ ...behindProxy, proxySecretHeader: 'X-Proxy-Secret', proxySecretFile: file }, PROXY_ENV)).toThrow(/not both/);
  expect(() => identityFromOptions({ ...behindProxy, proxySecretHeader: 'X-Proxy-Secret', proxySecretFile: `${file}-missing` }, {})).toThrow(/ENOENT/);
});

test('--public-origin is scheme://host[:port], nothing else', () => {
  expect(publicOriginFromOptions({ host: '0.0.0.0', port: '0', publicOrigin: 'https://inbox.example.com' })).toBe('https://inbox.example.com');
  expect(publicOriginFromOptions({ host: '0.0.0.0', port: '0', publicOrigin: 'https://Inbox.Example.com:8443/' })).toBe('https://inbox.example.com:8443');
  expect(publicOriginFromOptions({ host: '0.0.0.0', port: '0' })).toBeUndefined();
  for (const bad of ['inbox.example.com', 'ftp://inbox.example.com', 'https://inbox.example.com/inbox', 'https://u:p@inbox.example.com']) {
    expect(() => publicOriginFromOptions({ host: '0.0.0.0', port: '0', publicOrigin: bad })).toThrow(/--public-origin/);
  }
});
