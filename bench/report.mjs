// Renders benchmark results as markdown tables: one row per run, then Portero's ratios to each baseline.

const fmt = (value, digits = 0) => (value === undefined || Number.isNaN(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/**
 * Total, with its parts when there are any: error answers, socket errors, timeouts. What counts as
 * an error answer depends on the load generator: wrk counts statuses ≥ 400, autocannon every
 * status outside 2xx. Each part is counted once (autocannon's own `errors` includes timeouts).
 */
function errorCell(run) {
  if (run.errors === 0 || run.non2xx === undefined) return String(run.errors);
  const answers = run.loadGenerator === 'wrk' ? 'HTTP ≥400' : 'non-2xx';
  return `${run.errors} (${run.non2xx} ${answers}, ${run.socketErrors} socket, ${run.timeouts} timeout)`;
}

export function renderRuns(runs) {
  const lines = [
    '| Scenario | Target | Conns | Req/s | p50 ms | p99 ms | Errors | Proxy CPU µs/req | Req/s vs direct |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of runs) {
    const direct = runs.find((r) => r.scenario === run.scenario && r.target === 'direct' && r.connections === run.connections);
    const ratio = direct && run.target !== 'direct' ? `${fmt(run.rps / direct.rps, 2)}×` : '–';
    lines.push(
      `| ${run.scenario} | ${run.target} | ${run.connections} | ${fmt(run.rps)} | ${fmt(run.p50, 1)} | ${fmt(run.p99, 1)} | ${errorCell(run)} | ${fmt(run.cpuMicrosPerRequest, 1)} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The req/s ratio of `a` to `b` as the median of per-round ratios, with their range when there are
 * several (`rounds`: every measured run with its `round` and `seq`, bracket runs included). The
 * machine's speed drifts, in episodes that last about a minute, so each round's ratio compares
 * runs measured next to each other: `b` against the geometric mean of the runs of `a` measured
 * just before and just after it in the same round (bench.mjs measures the subject on both sides
 * of every other target), or against the one that exists. Falls back to the ratio of the two
 * median rows when no round has both.
 */
function rpsRatioCell(rounds, a, b) {
  return ratioSummary(bracketedRatios(rounds, b, a).map((ratio) => 1 / ratio), a, b);
}

/** Like rpsRatioCell for a scenario against the plain route, measured just before and after it. */
function bracketedRatioCell(rounds, a, b) {
  return ratioSummary(bracketedRatios(rounds, a, b), a, b);
}

/**
 * For each round's run of `a` (the row's scenario, target and connections), its req/s divided by
 * the geometric mean of its neighbours in time among the same round's runs of `b`: the nearest
 * one before it and the nearest one after it (`seq` orders the runs), or the one that exists.
 */
export function bracketedRatios(rounds, a, b) {
  const ratios = [];
  for (const ra of rounds ?? []) {
    if (ra.scenario !== a.scenario || ra.target !== a.target || ra.connections !== a.connections || ra.seq === undefined || !(ra.rps > 0)) continue;
    const others = rounds.filter((r) => r.round === ra.round && r.scenario === b.scenario && r.target === b.target && r.connections === b.connections && r.rps > 0 && r.seq !== undefined);
    const before = others.filter((r) => r.seq < ra.seq).sort((x, y) => y.seq - x.seq)[0];
    const after = others.filter((r) => r.seq > ra.seq).sort((x, y) => x.seq - y.seq)[0];
    const neighbours = [before, after].filter((r) => r !== undefined);
    if (neighbours.length === 0) continue;
    const mean = Math.exp(neighbours.reduce((sum, r) => sum + Math.log(r.rps), 0) / neighbours.length);
    ratios.push(ra.rps / mean);
  }
  return ratios;
}

function ratioSummary(ratios, a, b) {
  if (ratios.length === 0) return fmt(a.rps / b.rps, 2);
  ratios.sort((x, y) => x - y);
  const median = ratios.length % 2 === 1 ? ratios[(ratios.length - 1) / 2] : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
  return ratios.length === 1 ? fmt(median, 2) : `${fmt(median, 2)} (${fmt(ratios[0], 2)}–${fmt(ratios[ratios.length - 1], 2)})`;
}

/**
 * Portero relative to every other target measured in the same run: >1 means Portero is higher.
 * The req/s ratio is the median of per-round bracketed ratios (see rpsRatioCell) when `rounds` is
 * given.
 */
export function renderRatios(runs, subject = 'portero', rounds = undefined) {
  const lines = [
    `| Scenario | Conns | ${subject} vs | Req/s ratio | p99 ratio | CPU/req ratio |`,
    '| --- | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const run of runs.filter((r) => r.target === subject)) {
    for (const other of runs.filter((r) => r.scenario === run.scenario && r.connections === run.connections && r.target !== subject)) {
      const cpu = run.cpuMicrosPerRequest !== undefined && other.cpuMicrosPerRequest !== undefined ? fmt(run.cpuMicrosPerRequest / other.cpuMicrosPerRequest, 2) : '–';
      lines.push(`| ${run.scenario} | ${run.connections} | ${other.target} | ${rpsRatioCell(rounds, run, other)} | ${fmt(run.p99 / other.p99, 2)} | ${cpu} |`);
    }
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

/**
 * Portero in a scenario relative to Portero on the plain route (`scenario.compareTo`) at the same
 * connection count: auth on should keep ≥0.9× the req/s, cache hits ≥2×.
 */
export function renderScenarioRatios(runs, scenarios, subject = 'portero', rounds = undefined) {
  const lines = ['| Scenario | Conns | vs | Req/s ratio | p99 ratio | CPU/req ratio |', '| --- | ---: | --- | ---: | ---: | ---: |'];
  for (const scenario of scenarios.filter((s) => s.compareTo !== undefined)) {
    for (const run of runs.filter((r) => r.scenario === scenario.name && r.target === subject)) {
      const base = runs.find((r) => r.scenario === scenario.compareTo && r.target === subject && r.connections === run.connections);
      if (base === undefined) continue;
      const cpu = run.cpuMicrosPerRequest !== undefined && base.cpuMicrosPerRequest !== undefined ? fmt(run.cpuMicrosPerRequest / base.cpuMicrosPerRequest, 2) : '–';
      lines.push(`| ${scenario.name} | ${run.connections} | plain ${subject} | ${bracketedRatioCell(rounds, run, base)} | ${fmt(run.p99 / base.p99, 2)} | ${cpu} |`);
    }
  }
  return lines.length > 2 ? lines.join('\n') : '';
}
