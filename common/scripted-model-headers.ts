/**
 * The headers by which a model step tells the scripted model server (scripted-model/server.ts) what to play. The
 * model activity sends them only to a scripted server; the real API would ignore unknown headers anyway.
 */

/** Selects the scenario (a name looked up in the scenario dirs, or a path). */
export const SCENARIO_HEADER = 'x-durable-agent-scenario';
/** Identifies the run, so scripted errors are counted per run (the workflow id, in practice). */
export const RUN_HEADER = 'x-durable-agent-run';
