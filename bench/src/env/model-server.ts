/**
 * Starts the scripted model in its own process, so answering requests does not compete with the contender's
 * event loop (a real model is another machine). Every contender talks to the same server over loopback HTTP.
 */
import * as path from 'node:path';
import { Child } from './child';

export interface ModelServer {
  /** Base URL for the Anthropic SDK (`baseURL`), without `/v1`. */
  url: string;
  child: Child;
}

export async function startModelServer(scenarioDir: string, logFile: string): Promise<ModelServer> {
  const { child, ready } = await Child.start(path.join(__dirname, 'model-server-main.js'), [scenarioDir], { logFile });
  return { url: String(ready.url), child };
}

