/**
 * Child process: the project's scripted model (scripted-model/server.ts), serving the bench's generated scenarios.
 * Requests are not recorded (maxRecordedRequests 0): keeping 1,000 bodies of a 1,000-step conversation would cost
 * this process hundreds of MB and the bench nothing.
 */
import * as path from 'node:path';
import type * as ScriptedModel from '../../../dist/scripted-model/server';
import { PROJECT_DIST } from './paths';
import { reportFatal, reportReady, serveParent } from './child-side';

async function main(): Promise<void> {
  const scenarioDir = process.argv[2];
  if (!scenarioDir) throw new Error('usage: model-server-main <scenario dir>');
  // Loaded from the project's build at run time: this is the scripted model the project's own tests use.
  const { startScriptedModelServer } = require(path.join(PROJECT_DIST, 'scripted-model', 'server')) as typeof ScriptedModel;
  const server = await startScriptedModelServer({ scenarioDirs: [scenarioDir], maxRecordedRequests: 0 });
  serveParent({}, () => server.close());
  reportReady({ url: server.url });
}

main().catch(reportFatal);
