/** Connection strings in logs and errors, with the password masked. */

/**
 * `postgres://agent:secret@db:5432/x` becomes `postgres://agent:***@db:5432/x`; a `password=` query parameter is
 * masked too. Text that is not a URL is masked from the scheme to the `@`, so nothing before a host leaks.
 *
 * @example
 * maskUrlPassword('postgresql://u:p@h/db'); // 'postgresql://u:***@h/db'
 */
export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of [...parsed.searchParams.keys()]) {
      if (name.toLowerCase() === 'password') parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
  }
}
