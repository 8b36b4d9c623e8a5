// The benchmark's load generator. wrk (C) when installed: its cost per request is small, so the
// proxy's core, not the load core, limits throughput. Otherwise autocannon (JavaScript, inside the
// bench process), which costs about as much CPU per request as the upstream and so compresses the
// differences between fast proxies. BENCH_LOAD_GENERATOR=wrk|autocannon overrides the choice.
import { execFile, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { hasBinary } from './targets.mjs';

const GENERATORS = ['wrk', 'autocannon'];

/**
 * `{ name, version, note }` for BENCH_LOAD_GENERATOR (or the default); `note` says why a
 * fallback was taken. Throws on an unknown name or when wrk is asked for but missing.
 */
export function chooseLoadGenerator(requested = process.env.BENCH_LOAD_GENERATOR) {
  const wanted = requested === undefined || requested === '' ? undefined : requested;
  if (wanted !== undefined && !GENERATORS.includes(wanted)) throw new Error(`BENCH_LOAD_GENERATOR=${wanted}: expected one of ${GENERATORS.join(', ')}`);
  const haveWrk = hasBinary('wrk');
  if (wanted === 'wrk' && !haveWrk) throw new Error('BENCH_LOAD_GENERATOR=wrk but wrk is not installed (apt-get install wrk)');
  const name = wanted ?? (haveWrk ? 'wrk' : 'autocannon');
  const note = wanted === undefined && !haveWrk ? 'load generator: autocannon, because wrk is missing; install wrk (apt-get install wrk) for CPU-bound comparisons' : undefined;
  return { name, version: name === 'wrk' ? wrkVersion() : autocannonVersion(), note };
}

/**
 * Drives `url` for `durationSeconds` with `connections` keep-alive connections and `headers`.
 * Resolves with the fields the report uses; `pinned` wraps a command to run on the load core.
 */
export function runLoad(generator, { url, connections, durationSeconds, headers = {}, pinned = (_role, command) => command }) {
  return generator.name === 'wrk' ? runWrk({ url, connections, durationSeconds, headers, pinned }) : runAutocannon({ url, connections, durationSeconds, headers });
}

async function runAutocannon({ url, connections, durationSeconds, headers }) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, connections, duration: durationSeconds, headers });
  // autocannon counts a timeout in `errors` as well as in `timeouts`; `non2xx` is every status
  // outside 2xx (1xx, 3xx, 4xx, 5xx).
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    non2xx: result.non2xx,
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    requests: result.requests.total,
  };
}

function runWrk({ url, connections, durationSeconds, headers, pinned }) {
  // wrk takes whole seconds. --timeout 10s: at the default 2 s, the first requests of the
  // 500-connection burst count as timeouts while the connections are still being accepted.
  const args = ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(durationSeconds))}s`, '--timeout', '10s', '--latency'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const [command, ...rest] = pinned('load', ['wrk', ...args, url]);
  return new Promise((resolve, reject) => {
    execFile(command, rest, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed (${error.message.trim()}): ${stdout}${stderr}`.trim()));
      try {
        resolve(parseWrk(stdout));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

/**
 * The report's fields from wrk's text output (with --latency). wrk's "Non-2xx or 3xx responses"
 * counts statuses ≥ 400 only. wrk counts a timeout, every 2 s, for each connection whose request
 * has waited longer than --timeout; it does not abandon the request.
 */
export function parseWrk(output) {
  const number = (pattern) => {
    const match = pattern.exec(output);
    return match === null ? undefined : Number(match[1]);
  };
  const rps = number(/^Requests\/sec:\s+([\d.]+)/m);
  const requests = number(/^\s*(\d+) requests in /m);
  const p50 = latencyMs(output, '50');
  const p99 = latencyMs(output, '99');
  if (rps === undefined || requests === undefined || p50 === undefined || p99 === undefined) throw new Error(`unexpected wrk output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const [connect, read, write, timeouts] = socket === null ? [0, 0, 0, 0] : socket.slice(1).map(Number);
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/) ?? 0;
  return { rps, p50, p99, errors: non2xx + connect + read + write + timeouts, non2xx, socketErrors: connect + read + write, timeouts, requests };
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function latencyMs(output, percentile) {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(output);
  return match === null ? undefined : Number(match[1]) * UNIT_MS[match[2]];
}

function wrkVersion() {
  // `wrk -v` prints "wrk <version> [<engine>] Copyright ..." and exits non-zero.
  const match = /^wrk (\S+)/.exec(spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout ?? '');
  return match?.[1];
}

function autocannonVersion() {
  try {
    return createRequire(import.meta.url)('autocannon/package.json').version;
  } catch {
    return undefined;
  }
}
