import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Everything the benchmark starts (mosquitto, hubs, CLI runs) and every temporary directory it makes
 * is registered here, so a failed phase, an uncaught error or Ctrl-C still leaves no broker listening
 * and no data directory behind. Children are ended by their own pid only.
 */
export interface Cleanup {
  child(name: string, child: ChildProcess): void;
  dir(path: string): void;
  /** Ends children (SIGTERM, then SIGKILL after `graceMs`) and removes directories. Idempotent. */
  run(graceMs?: number): Promise<void>;
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Resolves when `child` has exited, or after `withinMs` (false then). */
export function waitForExit(child: ChildProcess, withinMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, withinMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

export function installCleanup(log: (line: string) => void): Cleanup {
  const children = new Map<ChildProcess, string>();
  const dirs: string[] = [];
  let running: Promise<void> | undefined;

  function removeDirs(): void {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }

  // Last resort when the process exits without `run()` (process.exit in an error path): only
  // synchronous work is possible here, so children get SIGKILL straight away.
  process.once('exit', () => {
    for (const child of children.keys()) if (isRunning(child) && child.pid !== undefined) child.kill('SIGKILL');
    removeDirs();
  });

  const cleanup: Cleanup = {
    child(name, child) {
      children.set(child, name);
      child.once('exit', () => children.delete(child));
    },
    dir(path) {
      dirs.push(path);
    },
    run(graceMs = 5000) {
      running ??= (async () => {
        const alive = [...children].filter(([child]) => isRunning(child));
        for (const [child] of alive) child.kill('SIGTERM');
        await Promise.all(
          alive.map(async ([child, name]) => {
            if (await waitForExit(child, graceMs)) return;
            log(`${name} (pid ${child.pid}) ignored SIGTERM for ${graceMs} ms: sending SIGKILL`);
            child.kill('SIGKILL');
            await waitForExit(child, 2000);
          }),
        );
        removeDirs();
      })();
      return running;
    },
  };

  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping children and removing temporary files`);
    void cleanup.run(2000).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return cleanup;
}
