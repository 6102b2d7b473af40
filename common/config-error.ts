/**
 * A configuration value we cannot use; the message is one line: the variable (or file and setting), what it got,
 * what would work. Its own module so the readers of each part of the configuration (common/config.ts, Temporal's
 * profile in connection/temporal-profile.ts) throw the same error without importing each other.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
