/**
 * The diagram SVGs committed in docs/diagrams/ must be rendered from the current Mermaid sources.
 * The check reads the SHA-256 each SVG embeds (scripts/render-diagrams.mjs writes it) and needs no
 * browser; the checker itself lives in scripts/check-diagrams.mjs so the render script and this
 * test share one definition of "the source".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

interface Problem {
  kind: 'missing' | 'stale' | 'orphan' | 'several-blocks';
  name: string;
  message: string;
}

interface DiagramChecker {
  RENDER_COMMAND: string;
  checkDiagrams(dir?: string): Problem[];
  describeProblems(problems: Problem[], dir?: string): string;
  readDiagramSources(dir?: string): { diagrams: { name: string; hash: string }[]; problems: Problem[] };
  mermaidBlocks(markdown: string): string[];
  sourceHash(source: string): string;
}

const checker = (await import(new URL('../../../scripts/check-diagrams.mjs', import.meta.url).href)) as DiagramChecker;

/** The diagrams the Iteración 2 brief asks for (docs/adr/ADR_Iteracion_2.md links each one). */
const REQUIRED = ['componentes', 'secuencia-token', 'secuencia-lectura-miss', 'secuencia-lectura-hit', 'secuencia-escritura-invalidacion', 'secuencia-reintento'];

function scratch(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'portero-diagrams-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const markdown = (source: string): string => `# Diagrama\n\nTexto.\n\n\`\`\`mermaid\n${source}\n\`\`\`\n\nMás texto.\n`;
const svgFor = (source: string): string => `<!-- source-sha256: ${checker.sourceHash(source)} -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>\n`;

test('every committed diagram SVG is rendered from its current Mermaid source', () => {
  const problems = checker.checkDiagrams();
  assert.deepEqual(problems, [], checker.describeProblems(problems));
  const names = checker.readDiagramSources().diagrams.map((d) => d.name);
  for (const name of REQUIRED) assert.ok(names.includes(name), `docs/diagrams/${name}.md with a mermaid block is missing`);
});

test('a diagram without its SVG is reported as missing, with the render command', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'flujo.md'), markdown('sequenceDiagram\n  A->>B: hola'));
  const problems = checker.checkDiagrams(dir);
  assert.deepEqual(problems.map((p) => [p.kind, p.name]), [['missing', 'flujo']]);
  assert.match(checker.describeProblems(problems, dir), /node scripts\/render-diagrams\.mjs/);
});

test('an SVG rendered from an earlier version of the source is stale', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'flujo.svg'), svgFor('sequenceDiagram\n  A->>B: hola'));
  writeFileSync(join(dir, 'flujo.md'), markdown('sequenceDiagram\n  A->>B: adiós'));
  assert.deepEqual(checker.checkDiagrams(dir).map((p) => [p.kind, p.name]), [['stale', 'flujo']]);
});

test('an SVG without an embedded hash is stale', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'flujo.md'), markdown('graph LR\n  a --> b'));
  writeFileSync(join(dir, 'flujo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"></svg>\n');
  assert.deepEqual(checker.checkDiagrams(dir).map((p) => p.kind), ['stale']);
});

test('a current SVG passes; prose outside the block and CRLF line endings do not matter', (t) => {
  const dir = scratch(t);
  const source = 'graph LR\n  a --> b';
  writeFileSync(join(dir, 'flujo.svg'), svgFor(source));
  writeFileSync(join(dir, 'flujo.md'), markdown(source).replace('Más texto.', 'Otro texto.').replace(/\n/g, '\r\n'));
  writeFileSync(join(dir, 'indice.md'), '# Sin diagrama\n');
  assert.deepEqual(checker.checkDiagrams(dir), []);
});

test('an SVG whose Markdown is gone, and a file with two diagrams, are reported', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'viejo.svg'), svgFor('graph LR\n  a --> b'));
  writeFileSync(join(dir, 'doble.md'), `${markdown('graph LR\n  a --> b')}${markdown('graph LR\n  c --> d')}`);
  assert.deepEqual(checker.checkDiagrams(dir).map((p) => [p.kind, p.name]).sort(), [['orphan', 'viejo'], ['several-blocks', 'doble']]);
});

test('the source of a block is exactly its lines between the fences', () => {
  assert.deepEqual(checker.mermaidBlocks('x\n```mermaid\ngraph LR\n  a --> b\n```\ny\n```js\nno\n```\n'), ['graph LR\n  a --> b']);
  assert.equal(checker.sourceHash('graph LR'), checker.sourceHash('graph LR'));
  assert.notEqual(checker.sourceHash('graph LR'), checker.sourceHash('graph LR '));
});
