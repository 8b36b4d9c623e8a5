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
  const label = spec.name.padEnd(width);
  const prefix = useColor ? `\x1b[${COLORS[colorIndex % COLORS.length]}m${label}\x1b[0m | ` : `${label} | `;
  for (const stream of [child.stdout, child.stderr].filter((s) => s !== null)) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
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
  return { spec, child, exited, tail, get running() { return running; } };
}

/** Resolves when `readyUrl` answers 200; rejects when the process exits first or the deadline passes. */
export async function waitReady(proc, timeoutMs) {
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
