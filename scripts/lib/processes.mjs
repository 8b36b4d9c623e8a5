// Starting, watching and stopping the child processes of `npm start` (and of the benchmark).
// Each child's output lines are prefixed with its name; a child is "ready" when its readiness URL
// answers 200; stopping sends SIGTERM, waits, then sends SIGKILL after a deadline.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

const COLORS = [36, 33, 35, 32, 34, 31];
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;

/**
 * @typedef {object} ProcessSpec
 * @property {string} name          Shown in front of every output line.
 * @property {string[]} command     Executable and arguments.
 * @property {Record<string,string>} [env]  Added to the parent's environment.
 * @property {string} [readyUrl]    GET answers 200 once the process is ready for traffic.
 * @property {(line: string) => boolean} [readyLine]  Or: ready once an output line satisfies this.
 * @property {string} [cwd]
 */

/** Spawns one process; the result tracks its exit and its last output lines. */
export function startProcess(spec, { width = spec.name.length, colorIndex = 0, quiet = false, stdout = 'pipe' } = {}) {
  // A process group of its own: Ctrl-C in the terminal reaches only the supervisor, which then
  // stops the children in order (the gateway drains before the services behind it go away).
  const child = spawn(spec.command[0], spec.command.slice(1), {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', stdout, 'pipe'],
    detached: true,
  });
  const tail = [];
  const lineListeners = new Set();
  const label = spec.name.padEnd(width);
  const prefix = useColor ? `\x1b[${COLORS[colorIndex % COLORS.length]}m${label}\x1b[0m | ` : `${label} | `;
  for (const stream of [child.stdout, child.stderr].filter((s) => s !== null)) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      for (const listener of lineListeners) listener(line);
      if (!quiet) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => {
      tail.push(String(error));
      resolve({ code: null, signal: null, error });
    });
  });
  let running = true;
  exited.then(() => (running = false));
  return { spec, child, exited, tail, lineListeners, get running() { return running; } };
}

/** Resolves when `readyUrl` answers 200; rejects when the process exits first or the deadline passes. */
export async function waitReady(proc, timeoutMs) {
  if (proc.spec.readyLine !== undefined) return waitForLine(proc, proc.spec.readyLine, timeoutMs);
  if (proc.spec.readyUrl === undefined) return;
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc.exited.then(() => (exited = true));
  while (true) {
    if (exited) throw new Error(`${proc.spec.name} exited before it was ready`);
    try {
      const response = await fetch(proc.spec.readyUrl, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${proc.spec.name} was not ready at ${proc.spec.readyUrl} within ${timeoutMs} ms`);
    await delay(100);
  }
}

/** Resolves with the first output line (already seen or to come) that satisfies `predicate`. */
export function waitForLine(proc, predicate, timeoutMs) {
  const seen = proc.tail.find((line) => predicate(line));
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${proc.spec.name} was not ready within ${timeoutMs} ms`)), timeoutMs);
    const listener = (line) => {
      if (predicate(line)) finish(undefined, line);
    };
    const finish = (error, line) => {
      clearTimeout(timer);
      proc.lineListeners.delete(listener);
      if (error) reject(error);
      else resolve(line);
    };
    proc.lineListeners.add(listener);
    proc.exited.then(() => finish(new Error(`${proc.spec.name} exited before it was ready`)));
  });
}

/** A predicate for pino JSON lines: `msg` equals `message`. */
export function jsonLogLine(message) {
  return (line) => {
    if (!line.startsWith('{')) return false;
    try {
      return JSON.parse(line).msg === message;
    } catch {
      return false;
    }
  };
}

/** SIGTERM, then SIGKILL if the process is still running after `graceMs`. */
export async function stopProcess(proc, graceMs) {
  if (!proc.running) return proc.exited;
  signalGroup(proc, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(proc, 'SIGKILL'), graceMs);
  const result = await proc.exited;
  clearTimeout(timer);
  return result;
}

/** Last resort when the supervisor itself exits: no child may outlive it holding a port. */
export function killNow(procs) {
  for (const proc of procs) if (proc.running) signalGroup(proc, 'SIGKILL');
}

function signalGroup(proc, signal) {
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    // Already gone.
  }
}
