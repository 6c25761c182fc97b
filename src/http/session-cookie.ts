/**
 * The dashboard's session cookie (DESIGN.md, "HTTP"; issue 5, item 3): HttpOnly so page scripts cannot
 * read it, SameSite=Strict so no other site's page can send it, Secure whenever the hub is reached over
 * HTTPS. Hand-written rather than @fastify/cookie: one cookie, one name, a few lines.
 */
export const SESSION_COOKIE = 'homeward_session';

/** The value of cookie `name` in a Cookie header; the first wins if a name repeats. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

export function sessionCookie(token: string, options: { maxAgeS: number; secure: boolean }): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(options: { secure: boolean }): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
}
