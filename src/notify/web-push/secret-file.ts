import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A secret kept in the data directory (issue 7, items 1 and 5: the VAPID keys and the action-token
 * key), made at first start, as src/household/credentials.ts keeps the credential key: the directory
 * 0700 and the file 0600, written whole under a temporary name and linked into place, so it never
 * exists empty or half-written, and when two processes race (the hub and a CLI command), the second
 * link fails and both read the winner's secret. The caller checks what it reads.
 */
export function loadOrCreateSecretFile(file: string, make: () => Buffer): Buffer {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, make(), { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch {
      // Someone else's secret got there first.
    } finally {
      unlinkSync(temporary);
    }
  }
  return readFileSync(file);
}
