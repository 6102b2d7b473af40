/**
 * Where data lives by default: one directory per user (temporal-config/data-dir.ts), never the package's own folder,
 * which is inside node_modules/ once installed and is deleted by the next `npm ci`.
 */
import { join, resolve, sep } from 'node:path';
import { storeConfigFrom, storeConfigFromEnv } from '../stores/config';
import { dataDirFrom, defaultDataDir } from '../temporal-config/data-dir';
import { defaultDbFilename } from '../temporal-config/settings';

const HOME = '/home/pat';
const CWD = '/srv/app';
/** This checkout: installed, the same place is node_modules/durable-agent. */
const PACKAGE = resolve(__dirname, '..');
const inPackage = (file: string): boolean => file === PACKAGE || file.startsWith(PACKAGE + sep);

describe('dataDirFrom: the first of these that is set', () => {
  test('DURABLE_AGENT_DATA_DIR, a relative one resolved against the working directory', () => {
    expect(dataDirFrom({ DURABLE_AGENT_DATA_DIR: '/var/lib/agent', XDG_STATE_HOME: '/state' }, HOME, CWD)).toBe('/var/lib/agent');
    expect(dataDirFrom({ DURABLE_AGENT_DATA_DIR: 'data' }, HOME, CWD)).toBe('/srv/app/data');
  });

  test('$XDG_STATE_HOME/durable-agent when it is an absolute path', () => {
    expect(dataDirFrom({ XDG_STATE_HOME: '/state' }, HOME, CWD)).toBe('/state/durable-agent');
  });

  test('a relative XDG_STATE_HOME is ignored, as the XDG spec says, and so is a blank one', () => {
    expect(dataDirFrom({ XDG_STATE_HOME: 'state' }, HOME, CWD)).toBe('/home/pat/.local/state/durable-agent');
    expect(dataDirFrom({ XDG_STATE_HOME: '' }, HOME, CWD)).toBe('/home/pat/.local/state/durable-agent');
  });

  test('~/.local/state/durable-agent, the spec default, and a blank DURABLE_AGENT_DATA_DIR counts as unset', () => {
    expect(dataDirFrom({}, HOME, CWD)).toBe('/home/pat/.local/state/durable-agent');
    expect(dataDirFrom({ DURABLE_AGENT_DATA_DIR: '  ' }, HOME, CWD)).toBe('/home/pat/.local/state/durable-agent');
  });

  test('with no home directory (or only a relative one), <cwd>/.durable-agent', () => {
    expect(dataDirFrom({}, undefined, CWD)).toBe('/srv/app/.durable-agent');
    expect(dataDirFrom({}, '', CWD)).toBe('/srv/app/.durable-agent');
    expect(dataDirFrom({}, 'pat', CWD)).toBe('/srv/app/.durable-agent');
  });
});

describe('every default data path is outside the package', () => {
  // No variable set: the real user's home (os.homedir()), whatever it is, and not the package folder.
  const env = {};

  test('the data directory', () => {
    expect(inPackage(defaultDataDir(env))).toBe(false);
  });

  test("the default blob store, given no DURABLE_AGENT_STORE and no DURABLE_AGENT_DATA_DIR", () => {
    const store = storeConfigFrom({ kind: 'default' }, env);
    expect(store).toEqual({ kind: 'local', dir: join(defaultDataDir(env), 'blobs') });
    expect(store.kind === 'local' && inPackage(store.dir)).toBe(false);
  });

  test("the dev server's database, given no DURABLE_AGENT_TEMPORAL_DB", () => {
    expect(defaultDbFilename(env)).toBe(join(defaultDataDir(env), 'temporal.sqlite'));
    expect(inPackage(defaultDbFilename(env))).toBe(false);
  });

  test('the store and the database follow XDG_STATE_HOME and DURABLE_AGENT_DATA_DIR; their own variables win', () => {
    expect(storeConfigFromEnv({ XDG_STATE_HOME: '/state' })).toEqual({ kind: 'local', dir: '/state/durable-agent/blobs' });
    expect(defaultDbFilename({ XDG_STATE_HOME: '/state' })).toBe('/state/durable-agent/temporal.sqlite');
    expect(defaultDbFilename({ DURABLE_AGENT_DATA_DIR: '/srv/agent' })).toBe('/srv/agent/temporal.sqlite');
    expect(defaultDbFilename({ DURABLE_AGENT_DATA_DIR: '/srv/agent', DURABLE_AGENT_TEMPORAL_DB: '/db/t.sqlite' })).toBe('/db/t.sqlite');
    expect(storeConfigFromEnv({ DURABLE_AGENT_DATA_DIR: '/srv/agent', DURABLE_AGENT_STORE: 'local:/b' })).toEqual({ kind: 'local', dir: '/b' });
  });

  test("the setting's data directory decides, not the environment's", () => {
    expect(storeConfigFrom({ kind: 'default', dataDir: '/from/config' }, { DURABLE_AGENT_DATA_DIR: '/from/env' })).toEqual({
      kind: 'local',
      dir: '/from/config/blobs',
    });
    expect(storeConfigFrom({ kind: 'default' }, { DURABLE_AGENT_DATA_DIR: '/from/env', XDG_STATE_HOME: '/state' })).toEqual({
      kind: 'local',
      dir: '/state/durable-agent/blobs',
    });
  });
});
