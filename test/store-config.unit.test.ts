/**
 * Which blob store the environment configures, and how a bad setting reads (test/stores.test.ts runs the stores).
 */
import { describeStoreConfig, openBlobStore, storeConfigFromEnv } from '../stores/config';
import { offloadThresholdFromEnv } from '../stores/temporal-storage-driver';
import { getFreePort } from '../temporal-config/dev-server';

describe('configuration', () => {
  test("default: the user's data directory's blobs (test/data-dir.unit.test.ts), or under DURABLE_AGENT_DATA_DIR", () => {
    expect(storeConfigFromEnv({ XDG_STATE_HOME: '/state' })).toEqual({ kind: 'local', dir: '/state/durable-agent/blobs' });
    expect(storeConfigFromEnv({ DURABLE_AGENT_DATA_DIR: '/srv/agent' })).toEqual({ kind: 'local', dir: '/srv/agent/blobs' });
  });

  test('local:<dir> and PostgreSQL URLs', () => {
    expect(storeConfigFromEnv({ DURABLE_AGENT_STORE: 'local:/tmp/b' })).toEqual({ kind: 'local', dir: '/tmp/b' });
    for (const url of ['postgres://agent:s3cret@db:5432/agent', 'postgresql://agent@db/agent?sslmode=require']) {
      expect(storeConfigFromEnv({ DURABLE_AGENT_STORE: url })).toEqual({ kind: 'postgres', connectionString: url });
    }
    const described = describeStoreConfig(storeConfigFromEnv({ DURABLE_AGENT_STORE: 'postgres://agent:s3cret@db:5432/agent' }));
    expect(described).toBe('postgres postgres://agent:***@db:5432/agent');
  });

  test.each([
    ['s3://bucket/blobs', /must be local:<dir> or a postgres/],
    ['local:', /needs a directory/],
    ['/var/blobs', /must be local:<dir> or a postgres/],
    ['postgres://agent:s3cret@', /names no host|not a valid/],
  ])('a bad DURABLE_AGENT_STORE (%s) is a one-line error that shows no password', (value, message) => {
    const error = (() => {
      try {
        storeConfigFromEnv({ DURABLE_AGENT_STORE: value });
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    expect(error.name).toBe('StoreConfigError');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('s3cret');
  });

  test('DURABLE_AGENT_OFFLOAD_BYTES: default 64 KiB, a number of bytes, or a clear error', () => {
    expect(offloadThresholdFromEnv({})).toBe(64 * 1024);
    expect(offloadThresholdFromEnv({ DURABLE_AGENT_OFFLOAD_BYTES: '1024' })).toBe(1024);
    expect(() => offloadThresholdFromEnv({ DURABLE_AGENT_OFFLOAD_BYTES: '64k' })).toThrow(/whole number of bytes/);
  });

  test('a PostgreSQL store that cannot connect says where, without the password', async () => {
    const port = await getFreePort();
    const error = await openBlobStore({ kind: 'postgres', connectionString: `postgres://agent:s3cret@127.0.0.1:${port}/agent` }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`postgres://agent:***@127.0.0.1:${port}/agent`);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
