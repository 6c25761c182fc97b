import type { Logger } from '../../src/core/logger.js';

/** A logger that hands each line (level and message) to `record`, so a test can see what was logged. */
export function recordingLogger(record: (level: string, msg: string | undefined) => void): Logger {
  const log = (level: string) => (obj: object | string, msg?: string) => record(level, typeof obj === 'string' ? obj : msg);
  const logger: Logger = {
    child: () => logger,
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    fatal: log('fatal'),
  };
  return logger;
}
