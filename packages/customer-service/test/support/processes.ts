import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A child process whose stdout is collected line by line. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Resolves with the first line (existing or future) the predicate accepts. */
  waitForLine(predicate: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/**
 * Runs a TypeScript file with tsx; the test kills it at the end if it is still running. The
 * `development` condition resolves `@portero/gateway/*` to its TypeScript sources, not dist.
 */
export function spawnTs(t: TestContext, script: string, env: Record<string, string>, args: string[] = []): Child {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', script, ...args], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { predicate: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let index;
    while ((index = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    process: child,
    lines,
    exited,
    stderr: () => stderr,
    waitForLine(predicate) {
      const found = lines.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then((code) => reject(new Error(`process exited (${code}) before the expected line; stdout: ${[...lines.slice(-5), buffer].join('\n')}; stderr: ${stderr}`)));
      });
    },
  };
}

/** Starts N fixture migrators, waits until all opened the database, then lets them go at once. */
export async function runConcurrentMigrators(t: TestContext, count: number, env: Record<string, string>): Promise<unknown[]> {
  const children = Array.from({ length: count }, () => spawnTs(t, 'test/fixtures/migrate-on-signal.ts', env));
  await Promise.all(children.map((c) => c.waitForLine((l) => l === 'ready')));
  for (const c of children) c.process.stdin.write('go\n');
  const outputs = await Promise.all(children.map((c) => c.waitForLine((l) => l.startsWith('{'))));
  await Promise.all(children.map((c) => c.exited));
  return outputs.map((o) => JSON.parse(o));
}
