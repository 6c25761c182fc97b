import { pino } from 'pino';
import { createRequire } from 'node:module';
import type { Logger } from './core/logger.js';

/**
 * JSON logs for journald and log shippers; readable lines when a person is watching a terminal.
 * Synchronous, so the last lines before a crash or exit are never lost; the hot path logs nothing.
 */
export function createLogger(level: string, tty: boolean): Logger {
  const options = { level, base: { service: 'homeward' } };
  if (tty) {
    // Loaded only for a person at a terminal: a service under systemd never pays its memory.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino(options, pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
  }
  return pino(options, pino.destination({ sync: true }));
}
