/**
 * The one way tests build a child process's environment (the CLI, workers, the demo): see soak/hermetic-env.ts,
 * where it lives so the soak, which is not test code, uses it too.
 */
export { hermeticEnv } from '../../soak/hermetic-env';
