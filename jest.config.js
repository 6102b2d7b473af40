/**
 * Tests run TypeScript through SWC (fast, no type-check: `npm run typecheck` does that), in three jest projects.
 * Where a test file goes is decided by its name, so a new file lands in a project without touching this config:
 *
 *   *.unit.test.ts (or anything under test/unit/)    unit: nothing outside the jest process (no Temporal server,
 *                       no child process, no browser, no PostgreSQL; an in-process HTTP server on loopback is fine).
 *                       No global setup, so `npm run test:unit` needs no build and no provisioned `temporal` CLI.
 *   *.chaos.test.ts (or anything under test/chaos/)  chaos: crashes and restarts, the soak, the long run, the
 *                       browser tests. Slow.
 *   *.cluster.test.ts (or anything under test/cluster/)  cluster: the production-shaped cluster (PostgreSQL, four
 *                       services, mTLS; temporal-config/cluster.ts), one for the whole run, reached only through
 *                       Temporal's environment configuration (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE).
 *   any other *.test.ts  integration: a real dev server per file, workers, the built CLI.
 *
 * `npm test` runs unit, integration and chaos; `npm run test:cluster` runs the cluster project (it builds the
 * Temporal server the first time); `npm run test:unit`, `test:integration` and `test:chaos` run one.
 */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] };
const UNIT = '(/test/unit/.*|\\.unit)\\.test\\.ts$';
const CHAOS = '(/test/chaos/.*|\\.chaos)\\.test\\.ts$';
const CLUSTER = '(/test/cluster/.*|\\.cluster)\\.test\\.ts$';

const common = { testEnvironment: 'node', roots: ['<rootDir>/test'], transform };
// Provisions the `temporal` CLI and bundles the workflows once per run, for the projects that start servers.
const withServers = { ...common, globalSetup: '<rootDir>/test/global-setup.ts' };

module.exports = {
  // Two cores: one Temporal dev server per test file, two files at a time.
  maxWorkers: 2,
  // A global option: jest ignores it inside a project's config.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testRegex: UNIT },
    { ...withServers, displayName: 'integration', testRegex: '\\.test\\.ts$', testPathIgnorePatterns: [UNIT, CHAOS, CLUSTER] },
    { ...withServers, displayName: 'chaos', testRegex: CHAOS, testPathIgnorePatterns: [CLUSTER] },
    {
      ...common,
      displayName: 'cluster',
      testRegex: CLUSTER,
      globalSetup: '<rootDir>/test/cluster/setup.ts',
      globalTeardown: '<rootDir>/test/cluster/teardown.ts',
    },
  ],
};
