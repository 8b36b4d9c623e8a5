// Staleness check of the committed diagram SVGs, without a browser. Each docs/diagrams/<name>.md
// holds exactly one ```mermaid block; scripts/render-diagrams.mjs renders it to <name>.svg and
// writes the SHA-256 of the block's text into the SVG as `<!-- source-sha256: <hex> -->`. This
// module recomputes the hashes and reports every diagram whose SVG is missing or was rendered from
// another source. `npm test` runs it through packages/gateway/test/docs-diagrams.test.ts; run it
// alone with `node scripts/check-diagrams.mjs` (exit 1 when something is stale).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const RENDER_COMMAND = 'node scripts/render-diagrams.mjs';
export const DEFAULT_DIAGRAMS_DIR = fileURLToPath(new URL('../docs/diagrams/', import.meta.url));

const FENCE_OPEN = /^```mermaid\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const EMBEDDED = /<!-- source-sha256: ([0-9a-f]{64}) -->/;

/**
 * The Mermaid blocks of one Markdown text: the lines between a ```mermaid fence and the next ```
 * fence, joined with \n (CRLF is read as LF, so a checkout's line endings do not change hashes).
 */
export function mermaidBlocks(markdown) {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const blocks = [];
  let current;
  for (const line of lines) {
    if (current === undefined) {
      if (FENCE_OPEN.test(line)) current = [];
    } else if (FENCE_CLOSE.test(line)) {
      blocks.push(current.join('\n'));
      current = undefined;
    } else current.push(line);
  }
  return blocks;
}

export function sourceHash(source) {
  return createHash('sha256').update(source, 'utf8').digest('hex');
}

/** The hash an SVG says it was rendered from, or undefined. */
export function embeddedHash(svg) {
  return EMBEDDED.exec(svg)?.[1];
}

/** Every diagram source in `dir`: `{ name, markdownPath, svgPath, source, hash }`; problems for malformed files. */
export function readDiagramSources(dir = DEFAULT_DIAGRAMS_DIR) {
  const diagrams = [];
  const problems = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
    const markdownPath = join(dir, file);
    const blocks = mermaidBlocks(readFileSync(markdownPath, 'utf8'));
    if (blocks.length === 0) continue;
    const name = file.slice(0, -'.md'.length);
    if (blocks.length > 1) {
      problems.push({ kind: 'several-blocks', name, message: `${file} has ${blocks.length} mermaid blocks; one diagram per file` });
      continue;
    }
    const source = blocks[0];
    diagrams.push({ name, markdownPath, svgPath: join(dir, `${name}.svg`), source, hash: sourceHash(source) });
  }
  return { diagrams, problems };
}

/**
 * Compares every diagram with its committed SVG. Returns a list of problems (empty when all is
 * current): `missing` (no SVG), `stale` (SVG rendered from another source or without a hash),
 * `orphan` (an SVG whose Markdown source is gone), `several-blocks`.
 */
export function checkDiagrams(dir = DEFAULT_DIAGRAMS_DIR) {
  const { diagrams, problems } = readDiagramSources(dir);
  for (const d of diagrams) {
    if (!existsSync(d.svgPath)) {
      problems.push({ kind: 'missing', name: d.name, message: `${d.name}.svg is missing` });
      continue;
    }
    const found = embeddedHash(readFileSync(d.svgPath, 'utf8'));
    if (found !== d.hash) {
      problems.push({ kind: 'stale', name: d.name, message: `${d.name}.svg was rendered from ${found === undefined ? 'an unknown source' : 'another version'} of ${d.name}.md` });
    }
  }
  const names = new Set([...diagrams.map((d) => d.name), ...problems.map((p) => p.name)]);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.svg')).sort()) {
    const name = file.slice(0, -'.svg'.length);
    if (!names.has(name)) problems.push({ kind: 'orphan', name, message: `${file} has no ${name}.md with a mermaid block; delete it` });
  }
  return problems;
}

/** One message for people: what is wrong and the command that fixes it. */
export function describeProblems(problems, dir = DEFAULT_DIAGRAMS_DIR) {
  const where = relative(process.cwd(), dir) || '.';
  return [`Diagram SVGs in ${where} do not match their Mermaid sources:`, ...problems.map((p) => `  - ${p.message}`), `Run \`${RENDER_COMMAND}\` (needs chromium) and commit the SVGs.`].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = checkDiagrams();
  if (problems.length > 0) {
    console.error(describeProblems(problems));
    process.exit(1);
  }
  console.log('diagram SVGs are current');
}
