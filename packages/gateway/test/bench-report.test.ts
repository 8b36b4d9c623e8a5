/**
 * The benchmark's ratios (bench/report.mjs): each round compares a target with the Portero runs
 * measured right next to it in time, so a slow minute on the machine lands on both sides.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

interface Run {
  scenario: string;
  target: string;
  connections: number;
  rps: number;
  p99: number;
  cpuMicrosPerRequest?: number;
  round?: number;
  seq?: number;
  bracket?: boolean;
}

interface Report {
  bracketedRatios(rounds: Run[], a: Run, b: Run): number[];
  renderRatios(runs: Run[], subject?: string, rounds?: Run[]): string;
  renderScenarioRatios(runs: Run[], scenarios: { name: string; compareTo?: string }[], subject?: string, rounds?: Run[]): string;
}

const report = (await import(new URL('../../../bench/report.mjs', import.meta.url).href)) as Report;

const S = 'GET one customer';
const run = (target: string, rps: number, round: number, seq: number, extra: Partial<Run> = {}): Run => ({ scenario: S, target, connections: 50, rps, p99: 10, round, seq, ...extra });

/** The "Req/s ratio" cell of renderRatios' row for `other`. */
function ratioCell(table: string, other: string): string {
  const row = table.split('\n').find((line) => line.includes(`| ${other} |`));
  assert.ok(row, `no row for ${other} in\n${table}`);
  return row.split('|')[4]!.trim();
}

test('a target is compared with the geometric mean of the Portero runs just before and after it', () => {
  const rounds = [run('portero', 100, 1, 0), run('fast-gateway', 100, 1, 1), run('portero', 400, 1, 2, { bracket: true })];
  // Portero's neighbours: 100 and 400, geometric mean 200, against 100.
  const ratios = report.bracketedRatios(rounds, rounds[1]!, rounds[0]!);
  assert.equal(ratios.length, 1);
  assert.ok(Math.abs(1 / ratios[0]! - 2) < 1e-9, String(ratios));
  const table = report.renderRatios([rounds[0]!, rounds[1]!], 'portero', rounds);
  assert.equal(ratioCell(table, 'fast-gateway'), '2.00');
});

test('only the nearest Portero run on each side, and only from the same round, count', () => {
  const rounds = [
    run('portero', 1000, 1, 0),
    run('portero', 300, 1, 2, { bracket: true }),
    run('http-proxy', 100, 1, 3),
    run('portero', 300, 1, 4, { bracket: true }),
    run('portero', 1000, 1, 6, { bracket: true }),
    // Another round, much faster: must not leak into round 1's ratio.
    run('portero', 5000, 2, 10),
    run('http-proxy', 2500, 2, 11),
    run('portero', 5000, 2, 12, { bracket: true }),
  ];
  const table = report.renderRatios([rounds[0]!, rounds[2]!], 'portero', rounds);
  // Round 1: 300 / 100 = 3; round 2: 5000 / 2500 = 2; median of two is 2.5, range 2–3.
  assert.equal(ratioCell(table, 'http-proxy'), '2.50 (2.00–3.00)');
});

test('a target measured first in its round is compared with the Portero run after it', () => {
  const rounds = [run('direct', 600, 1, 0), run('portero', 300, 1, 1)];
  const table = report.renderRatios([rounds[1]!, rounds[0]!], 'portero', rounds);
  assert.equal(ratioCell(table, 'direct'), '0.50');
});

test('without per-round runs the ratio is the one between the two median rows', () => {
  const table = report.renderRatios([run('portero', 900, 1, 0), run('nginx', 300, 1, 1)], 'portero');
  assert.equal(ratioCell(table, 'nginx'), '3.00');
});

test('a scenario is compared with the plain runs around it; an even number of rounds takes the middle two', () => {
  const auth = (rps: number, round: number, seq: number): Run => ({ ...run('portero', rps, round, seq), scenario: 'auth' });
  const rounds = [
    run('portero', 200, 1, 0),
    auth(100, 1, 1),
    run('portero', 50, 1, 2, { bracket: true }),
    run('portero', 400, 2, 3),
    auth(200, 2, 4),
    run('portero', 100, 2, 5, { bracket: true }),
  ];
  const table = report.renderScenarioRatios([rounds[0]!, rounds[1]!], [{ name: S }, { name: 'auth', compareTo: S }], 'portero', rounds);
  // Round 1: 100 / sqrt(200 * 50) = 1; round 2: 200 / sqrt(400 * 100) = 1.
  const row = table.split('\n').find((line) => line.startsWith('| auth |'));
  assert.equal(row?.split('|')[4]?.trim(), '1.00 (1.00–1.00)');
  // Portero against a competitor over two rounds: ratios 3 and 1, median 2.
  const two = [run('portero', 300, 1, 0), run('fast-gateway', 100, 1, 1), run('portero', 300, 1, 2, { bracket: true }), run('portero', 100, 2, 3), run('fast-gateway', 100, 2, 4), run('portero', 100, 2, 5, { bracket: true })];
  assert.equal(ratioCell(report.renderRatios([two[0]!, two[1]!], 'portero', two), 'fast-gateway'), '2.00 (1.00–3.00)');
});
