/**
 * The logging surface modules receive: pino's, narrowed so modules depend on an interface rather
 * than on pino itself. Each module gets a child logger naming it.
 */
export interface Logger {
  child(bindings: Record<string, unknown>): Logger;
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  fatal(obj: object | string, msg?: string): void;
}
