/**
 * What temporal-config asks of a dev server, without starting one: the arguments, the search attributes (defined
 * once, in common/search-attributes.ts), and how a pid is judged alive. test/dev-server.test.ts starts real ones.
 */
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../common/search-attributes';
import { isAlive, pidFileOf, serverArgs } from '../temporal-config/dev-server';
import {
  DEV_SERVER_DYNAMIC_CONFIG,
  devServerDynamicConfigArgs,
  indexedValueType,
  SEARCH_ATTRIBUTES,
} from '../temporal-config/settings';

describe('settings', () => {
  test('the registered search attributes are the ones workflows upsert (common/search-attributes.ts)', () => {
    expect(SEARCH_ATTRIBUTES).toEqual({
      AgentName: 'Keyword',
      AgentStatus: 'Keyword',
      CorrelationId: 'Keyword',
      EscalationPending: 'Bool',
    });
    expect(Object.keys(SEARCH_ATTRIBUTES)).toEqual(SEARCH_ATTRIBUTE_KEYS.map((k) => k.name));
  });

  test("a type's number is the operator service's IndexedValueType", () => {
    const { IndexedValueType } = temporal.api.enums.v1;
    expect(indexedValueType(SearchAttributeType.KEYWORD)).toBe(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(indexedValueType(SearchAttributeType.BOOL)).toBe(IndexedValueType.INDEXED_VALUE_TYPE_BOOL);
    expect(indexedValueType(SearchAttributeType.KEYWORD)).toBe(2);
    expect(indexedValueType(SearchAttributeType.BOOL)).toBe(5);
  });

  test('server args register every attribute, and pass SQLite pragmas only with a db file', () => {
    const inMemory = serverArgs({ ip: '127.0.0.1', port: 1234, namespace: 'default' });
    expect(inMemory).toContain('--headless');
    expect(inMemory).not.toContain('--sqlite-pragma');
    expect(inMemory).not.toContain('--namespace');
    const attrs = inMemory.filter((_, i) => inMemory[i - 1] === '--search-attribute');
    expect(attrs.sort()).toEqual([
      'AgentName=Keyword',
      'AgentStatus=Keyword',
      'CorrelationId=Keyword',
      'EscalationPending=Bool',
    ]);

    const onFile = serverArgs({ ip: '127.0.0.1', port: 1234, uiPort: 1235, dbFilename: '/x/t.sqlite', namespace: 'ns' })
      .join(' ');
    expect(onFile).toContain('--db-filename /x/t.sqlite');
    expect(onFile).toContain('--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal');
    expect(onFile).toContain('--ui-port 1235');
    expect(onFile).toContain('--namespace ns');
  });
});

describe('dispatch tick (issue 15 §4, docs/tuning.md)', () => {
  /** `--dynamic-config-value K=V` pairs of an argument list, as a key → value map. */
  const dynamicConfigOf = (args: string[]) =>
    Object.fromEntries(
      args.filter((_, i) => args[i - 1] === '--dynamic-config-value').map((kv) => kv.split('=', 2) as [string, string]),
    );

  test('every dev server loads transfer tasks without the 50 ms token wait', () => {
    // The server's default is 20 loads per second per shard: one dispatch every 50 ms once 20 are spent.
    expect(Number(DEV_SERVER_DYNAMIC_CONFIG['history.transferProcessorMaxPollRPS'])).toBeGreaterThanOrEqual(1000);
    // Only settings that were measured to help (docs/tuning.md): a new one needs its figures there first.
    expect(Object.keys(DEV_SERVER_DYNAMIC_CONFIG)).toEqual(['history.transferProcessorMaxPollRPS', 'system.enableActivityEagerExecution']);
  });

  test('serverArgs (durable-agent server, the demo, the soak, the bench) and the tests\' servers pass them', () => {
    const want = { 'history.transferProcessorMaxPollRPS': '10000', 'system.enableActivityEagerExecution': 'true' };
    expect(dynamicConfigOf(serverArgs({ ip: '127.0.0.1', port: 1234, namespace: 'default' }))).toEqual(want);
    const onFile = serverArgs({ ip: '127.0.0.1', port: 1234, dbFilename: '/x/t.sqlite', namespace: 'ns' });
    expect(dynamicConfigOf(onFile)).toEqual(want);
    // test/helpers/local-server.ts hands these to TestWorkflowEnvironment.createLocal as extraArgs.
    expect(dynamicConfigOf(devServerDynamicConfigArgs())).toEqual(want);
  });
});

describe('detached servers', () => {
  test('the pid file sits beside the database', () => {
    expect(pidFileOf('/srv/temporal.sqlite')).toBe('/srv/temporal.sqlite.pid');
  });

  test('a pid is alive when signal 0 reaches it, or is refused with EPERM (it exists, owned by someone else)', () => {
    const kill = jest.spyOn(process, 'kill');
    const failWith = (code: string) => () => {
      throw Object.assign(new Error(code), { code });
    };
    try {
      kill.mockImplementation(() => true);
      expect(isAlive(4242)).toBe(true);
      kill.mockImplementation(failWith('EPERM'));
      expect(isAlive(4242)).toBe(true);
      kill.mockImplementation(failWith('ESRCH'));
      expect(isAlive(4242)).toBe(false);
      expect(kill).toHaveBeenCalledWith(4242, 0);
    } finally {
      kill.mockRestore();
    }
  });
});
