import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Watching a hub process judge its deadlines from outside (issue 10, fault injection): its alerts in
 * the database, and from /metrics how far its rule engine has judged (homeward_rules_evaluated_until_seconds:
 * the earliest watermark of the rules, by the hub's own clock — under libfaketime, the faked one).
 */
export interface StoredAlert {
  key: string;
  type: string;
  severity: string;
  raisedAt: number;
}

/** Every alert the hub has stored, oldest first. */
export function storedAlerts(dataDir: string): StoredAlert[] {
  const db = new Database(path.join(dataDir, 'homeward.db'), { readonly: true });
  try {
    return db.prepare('SELECT key, type, severity, raised_at AS raisedAt FROM alerts ORDER BY raised_at, key').all() as StoredAlert[];
  } finally {
    db.close();
  }
}

async function metric(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

/** Up to when every rule has judged its deadlines, in ms by the hub's clock (0 before its first tick). */
export async function evaluatedUpTo(httpPort: number): Promise<number> {
  return (await metric(httpPort, 'homeward_rules_evaluated_until_seconds')) * 1000;
}

/** Polls `probe` until it returns something, every 50 ms, for at most `withinMs` of real time. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, withinMs = 15_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the hub has judged its deadlines up to `at` (ms, by its clock). */
export async function evaluatedPast(httpPort: number, at: number, withinMs?: number): Promise<void> {
  await until(`the rules to judge up to ${new Date(at).toISOString()}`, async () => ((await evaluatedUpTo(httpPort)) >= at ? true : undefined), withinMs);
}

/** Waits until the hub's rule engine has ticked `count` more times (it ticks even while its clock is behind its watermark). */
export async function ruleTicks(httpPort: number, count: number): Promise<void> {
  const target = (await metric(httpPort, 'homeward_rule_ticks_total')) + count;
  await until('the rule engine to tick', async () => ((await metric(httpPort, 'homeward_rule_ticks_total')) >= target ? true : undefined));
}

/**
 * Watches one deadline pass on a running hub and checks it was judged on time: the alert is not in the
 * database before the hub had judged past the deadline, and it is there as soon as it had (the engine
 * stores a tick's alerts before it moves its watermark). Samples a watermark on each side of the read,
 * so neither check can be fooled by a tick in between. Returns the alerts with keys starting `keyPrefix`,
 * and whether the hub was seen to have judged up to `since` or later, but not yet the deadline: that it
 * was running, with its clock where the test set it, before the deadline came.
 */
export async function watchDeadline(
  httpPort: number,
  dataDir: string,
  deadline: number,
  keyPrefix: string,
  since = 1,
): Promise<{ alerts: StoredAlert[]; sawItBefore: boolean }> {
  let sawItBefore = false;
  return until(`the deadline at ${new Date(deadline).toISOString()}`, async () => {
    const before = await evaluatedUpTo(httpPort);
    const alerts = storedAlerts(dataDir).filter((alert) => alert.key.startsWith(keyPrefix));
    const after = await evaluatedUpTo(httpPort);
    if (alerts.length > 0 && after < deadline) {
      throw new Error(`${keyPrefix} raised before the hub judged its deadline (${new Date(deadline).toISOString()}; judged up to ${new Date(after).toISOString()})`);
    }
    if (before >= deadline) {
      if (alerts.length === 0) throw new Error(`the hub judged past ${new Date(deadline).toISOString()} without raising ${keyPrefix}`);
      return { alerts, sawItBefore };
    }
    if (before >= since) sawItBefore = true;
    return undefined;
  });
}
