import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { HubConfig } from '../../src/config.js';
import type { Role } from '../../src/accounts/roles.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createHub, type Hub } from '../../src/hub.js';
import { testDataDir, testHubConfig } from '../support/test-hub.js';

/**
 * A whole hub (real SQLite file, real fastify) on a manual clock, driven with inject(): what the
 * account and HTTP tests share. Nothing listens; `start()` is left to the tests that need the setup link.
 */
export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
export const DAY = 86_400_000;

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface AccountsHub {
  hub: Hub;
  clock: ManualClock;
  dataDir: string;
  /** Every log line the hub wrote, parsed. */
  logs: LogLine[];
  addUser(email: string, role: Role, password?: string): Promise<{ id: number; email: string; password: string }>;
  /** Signs in through the API; returns the cookie pair to send back and the CSRF token. */
  signIn(email: string, password: string, remoteAddress?: string): Promise<{ cookie: string; csrfToken: string; setCookie: string }>;
  stop(): Promise<void>;
}

export const GOOD_PASSWORD = 'kettle on the windowsill 7';

export async function startAccountsHub(options: { config?: (config: HubConfig) => void; dataDir?: string } = {}): Promise<AccountsHub> {
  const dataDir = options.dataDir ?? testDataDir();
  const config = testHubConfig(dataDir, 'debug');
  options.config?.(config);
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const clock = createManualClock(T0);
  const hub = await createHub({ config, log: pino({ level: config.log.level }, sink), clock });
  let stopped = false;
  const result: AccountsHub = {
    hub,
    clock,
    dataDir,
    logs,
    async addUser(email, role, password = GOOD_PASSWORD) {
      const user = await hub.home.accounts.create({ email, role, password });
      return { id: user.id, email: user.email, password };
    },
    async signIn(email, password, remoteAddress = '127.0.0.1') {
      const response = await hub.http.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress });
      if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
      const setCookie = String(response.headers['set-cookie']);
      return { cookie: setCookie.split(';')[0] as string, csrfToken: (response.json() as { csrfToken: string }).csrfToken, setCookie };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await hub.stop();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return result;
}
