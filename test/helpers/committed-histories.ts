/**
 * The committed histories under test/histories/ (one folder per generation of the workflow code), with the
 * workflow id each was recorded under: the run's escalation ids derive from it, so replay must see the same one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { EXECUTION_SEPARATOR, RECORDED_RUNS } from './recorded-runs';

export const HISTORIES = join(__dirname, '..', 'histories');

export interface CommittedHistory {
  /** File name without .json: the run's name, or `<name>~<n>` for one execution of a run that continued as new. */
  name: string;
  /** The recorded run it belongs to. */
  run: string;
  workflowId: string;
  history: ReturnType<typeof historyFromJSON>;
}

export const recordedCorrelationId = (run: string) => `recorded-${run}`;

/** The recorded run a file belongs to. */
export const runName = (file: string) => file.split(EXECUTION_SEPARATOR)[0] as string;

export function recordedWorkflowId(file: string): string {
  const run = runName(file);
  const spec = RECORDED_RUNS.find((r) => r.name === run);
  if (!spec) throw new Error(`test/histories/${file}.json is not in RECORDED_RUNS`);
  return `${spec.agent}-${recordedCorrelationId(run)}`;
}

export function committedHistories(generation = '.'): CommittedHistory[] {
  const dir = join(HISTORIES, generation);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.json$/, '');
      return {
        name,
        run: runName(name),
        workflowId: recordedWorkflowId(name),
        history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))),
      };
    });
}
