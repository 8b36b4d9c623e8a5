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
 * The req/s ratio of `a` to `b` as the median of the ratios within each round (`rounds`: every
 * measured run with its `round`), with their range when there are several: the machine's speed
 * drifts between rounds, and two targets measured in the same round saw nearly the same machine.
 * Falls back to the ratio of the two median rows when no round has both.
 */
function rpsRatioCell(rounds, a, b) {
  const ratios = [];
  for (const ra of rounds ?? []) {
    if (ra.scenario !== a.scenario || ra.target !== a.target || ra.connections !== a.connections) continue;
    const rb = rounds.find((r) => r.round === ra.round && r.scenario === b.scenario && r.target === b.target && r.connections === b.connections);
    if (rb !== undefined && rb.rps > 0) ratios.push(ra.rps / rb.rps);
  }
  return ratioSummary(ratios, a, b);
}

/**
 * Like rpsRatioCell for a scenario against the plain route, where each round measured the plain
 * route just before and just after the scenario (bench.mjs, `seq` orders the runs): the ratio is
 * to the geometric mean of those two neighbours, or to the one that exists.
 */
function bracketedRatioCell(rounds, a, b) {
  const ratios = [];
  for (const ra of rounds ?? []) {
    if (ra.scenario !== a.scenario || ra.target !== a.target || ra.connections !== a.connections || ra.seq === undefined) continue;
    const plain = rounds.filter((r) => r.round === ra.round && r.scenario === b.scenario && r.target === b.target && r.connections === b.connections && r.rps > 0);
    const before = plain.filter((r) => r.seq < ra.seq).sort((x, y) => y.seq - x.seq)[0];
    const after = plain.filter((r) => r.seq > ra.seq).sort((x, y) => x.seq - y.seq)[0];
    const neighbours = [before, after].filter((r) => r !== undefined);
    if (neighbours.length === 0) continue;
    const mean = Math.exp(neighbours.reduce((sum, r) => sum + Math.log(r.rps), 0) / neighbours.length);
    ratios.push(ra.rps / mean);
  }
  return ratioSummary(ratios, a, b);
}

function ratioSummary(ratios, a, b) {
  if (ratios.length === 0) return fmt(a.rps / b.rps, 2);
  ratios.sort((x, y) => x - y);
  const median = ratios.length % 2 === 1 ? ratios[(ratios.length - 1) / 2] : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
  return ratios.length === 1 ? fmt(median, 2) : `${fmt(median, 2)} (${fmt(ratios[0], 2)}–${fmt(ratios[ratios.length - 1], 2)})`;
}

/**
 * Portero relative to every other target measured in the same run: >1 means Portero is higher.
 * The req/s ratio is the median of per-round ratios (see rpsRatioCell) when `rounds` is given.
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
