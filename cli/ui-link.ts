/**
 * Links to the Temporal Web UI, built from where that UI actually is: `TEMPORAL_UI_URL` when set; else the UI the
 * detached dev server recorded in its pid file, when that server is the one we talk to; else the default UI only for
 * the default address. Anything else would be a guess: a server on another port has its UI on another port too,
 * and a link to the default UI would show a different server's runs (or none).
 */
import { runUrl, type ConnectionSettings } from '../client/config';
import { CONNECTION_DEFAULTS } from '../common/defaults';
import { isAlive, pidFileOf, readDetachedServer } from '../temporal-config/dev-server';
import { defaultDbFilename } from '../temporal-config/settings';

/** The Web UI's base URL for `settings`' server, or `undefined` when nothing says where it is. */
export async function uiBase(settings: ConnectionSettings, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.TEMPORAL_UI_URL?.trim()) return settings.uiUrl;
  const detached = await readDetachedServer(pidFileOf(defaultDbFilename(env)));
  if (detached && detached.address === settings.address && isAlive(detached.pid)) return detached.uiUrl;
  return settings.address === CONNECTION_DEFAULTS.address ? settings.uiUrl : undefined;
}

/** The run's page in the Web UI, or `null` when the UI's address is unknown. */
export async function runLink(settings: ConnectionSettings, workflowId: string, runId: string): Promise<string | null> {
  const base = await uiBase(settings);
  return base === undefined ? null : runUrl({ namespace: settings.namespace, uiUrl: base }, workflowId, runId);
}

/** What to print in place of a link whose UI address is unknown. */
export const NO_UI_LINK = '(unknown: set TEMPORAL_UI_URL to the Web UI of the server at this address)';
