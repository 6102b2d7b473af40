/** Where the tests' fixtures live; a module of its own so unit tests can name them without loading a worker. */
import { join } from 'node:path';

export const FIXTURE_SCENARIOS = join(__dirname, '..', 'fixtures', 'scenarios');
