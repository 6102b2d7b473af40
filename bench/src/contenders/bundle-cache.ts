/**
 * Workflow bundles built once per bench invocation and reused by every worker started later: webpack takes
 * several seconds on this machine, and a production deployment ships a prebuilt bundle too.
 */
import * as fs from 'node:fs';

export async function cachedBundle(file: string, build: () => Promise<{ code: string }>): Promise<{ codePath: string }> {
  if (!fs.existsSync(file)) {
    const { code } = await build();
    // Written then renamed: a worker started concurrently never reads half a bundle.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  }
  return { codePath: file };
}
