/**
 * How big each benchmark runs. `short` (npm run bench) fits in about 5 minutes on 2 cores; `full`
 * (npm run bench:full) is the size issue 5 asks for.
 */

export interface Sizes {
  overhead: {
    /** Model calls per run. */
    steps: number;
    /** Runs per contender before measuring (JIT, connections, workflow cache). */
    warmup: number;
    /** Measured runs per contender, interleaved round-robin so machine noise falls on all of them alike. */
    rounds: number;
  };
  history: {
    steps: number[];
    /**
     * durable-agent alone also runs this long (the others cannot: their histories pass Temporal's limits long
     * before), sampling the worker's memory every `sampleEvery` steps.
     */
    long?: { steps: number; sampleEvery: number };
    /** A run taking longer than this is terminated and reported as capped. */
    capMs: number;
  };
  throughput: {
    runs: number[];
    steps: number;
    delayMs: number;
    /** Longest a batch may take before its remaining runs are terminated and reported. */
    capMs: number;
  };
  /** Issue 15 §3: several reads in one model response. */
  parallel: {
    /** Tool calls in the response. */
    calls: number;
    rounds: number;
  };
  recovery: {
    runs: number;
    steps: number;
    /** Model latency: with it, some runs are inside a model call when the worker dies, as in real use. */
    delayMs: number;
    /** The worker is killed once this many tool calls per run, on average, have happened. */
    killAfterStepsPerRun: number;
    /** How long to wait, after the new worker is up, for every run to show progress. */
    resumeWindowMs: number;
  };
}

export const SHORT: Sizes = {
  overhead: { steps: 10, warmup: 1, rounds: 5 },
  history: { steps: [10, 100], long: { steps: 300, sampleEvery: 100 }, capMs: 300_000 },
  throughput: { runs: [100], steps: 10, delayMs: 200, capMs: 120_000 },
  parallel: { calls: 3, rounds: 5 },
  recovery: { runs: 20, steps: 200, delayMs: 200, killAfterStepsPerRun: 5, resumeWindowMs: 60_000 },
};

export const FULL: Sizes = {
  overhead: { steps: 20, warmup: 2, rounds: 30 },
  history: { steps: [10, 100, 1000], long: { steps: 10_000, sampleEvery: 1_000 }, capMs: 3_600_000 },
  throughput: { runs: [100, 1000], steps: 10, delayMs: 200, capMs: 900_000 },
  parallel: { calls: 3, rounds: 20 },
  recovery: { runs: 100, steps: 200, delayMs: 200, killAfterStepsPerRun: 10, resumeWindowMs: 120_000 },
};
