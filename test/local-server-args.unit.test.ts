/**
 * The tests' own dev servers (test/helpers/local-server.ts, started by TestWorkflowEnvironment.createLocal) get the
 * same dynamic config as every other dev server the project starts: without it each test step would wait on the
 * server's 50 ms dispatch tick (issue 15 §4, docs/tuning.md). createLocal is replaced here, so no server starts.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTestServer } from './helpers/local-server';

jest.mock('@temporalio/testing', () => ({ TestWorkflowEnvironment: { createLocal: jest.fn() } }));
jest.mock('../temporal-config/provision-cli', () => ({ resolveTemporalCliPathSync: () => '/opt/temporal' }));

test('startTestServer passes the dev server dynamic config to createLocal', async () => {
  const createLocal = TestWorkflowEnvironment.createLocal as jest.Mock;
  const env = {
    address: '127.0.0.1:1',
    connection: { workflowService: { describeNamespace: async () => ({}) } },
    teardown: async () => undefined,
  };
  createLocal.mockResolvedValue(env);
  await startTestServer();
  const extraArgs = createLocal.mock.calls[0]?.[0]?.server?.extraArgs as string[];
  const dynamicConfig = extraArgs.filter((_, i) => extraArgs[i - 1] === '--dynamic-config-value');
  expect(dynamicConfig).toEqual(['history.transferProcessorMaxPollRPS=10000', 'system.enableActivityEagerExecution=true']);
});
