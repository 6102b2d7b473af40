/**
 * Entry point. The project must be built first: the bench drives durable-agent's compiled code (`../dist`), and
 * a missing build would otherwise surface as an obscure MODULE_NOT_FOUND from deep inside a contender.
 */
import type * as Cli from './cli';
import { assertProjectBuilt } from './env/paths';

try {
  assertProjectBuilt();
  (require('./cli') as typeof Cli).run();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
