// Renders each docs/diagrams/<name>.md's ```mermaid block to <name>.svg beside it, with the
// SHA-256 of the block embedded as `<!-- source-sha256: <hex> -->` (scripts/check-diagrams.mjs and
// packages/gateway/test/docs-diagrams.test.ts compare it with the current source, no browser needed).
//
// Mermaid lays text out in a real browser, so this needs Chromium: Debian's `apt-get install -y
// chromium`, or CHROMIUM_PATH pointing at any Chrome/Chromium binary. mermaid and puppeteer-core
// are installed on first use into docs/diagrams/.render/ (gitignored, pinned below), so the
// project's own dependencies do not grow and no browser is downloaded.
//
//   node scripts/render-diagrams.mjs          renders the diagrams whose SVG is missing or stale
//   node scripts/render-diagrams.mjs --all    renders every diagram
//   node scripts/render-diagrams.mjs --check  only checks (same as node scripts/check-diagrams.mjs)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { checkDiagrams, DEFAULT_DIAGRAMS_DIR, describeProblems, embeddedHash, readDiagramSources } from './check-diagrams.mjs';

/** Renderer versions; changing them here reinstalls them on the next run. */
const TOOLS = { mermaid: '11.17.2', 'puppeteer-core': '24.43.1' };
const RENDER_DIR = join(DEFAULT_DIAGRAMS_DIR, '.render');
const BROWSER_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'];

/** Mermaid settings shared by every diagram. Plain SVG text (no foreignObject) so the files open anywhere. */
const MERMAID_CONFIG = {
  startOnLoad: false,
  securityLevel: 'strict',
  deterministicIds: true,
  theme: 'default',
  fontFamily: 'DejaVu Sans, Arial, Helvetica, sans-serif',
  htmlLabels: false,
  flowchart: { htmlLabels: false, curve: 'basis' },
  sequence: { wrap: false, mirrorActors: false },
};

const { values: args } = parseArgs({ options: { all: { type: 'boolean', default: false }, check: { type: 'boolean', default: false } } });

if (args.check) {
  const problems = checkDiagrams();
  if (problems.length > 0) {
    console.error(describeProblems(problems));
    process.exit(1);
  }
  console.log('diagram SVGs are current');
  process.exit(0);
}

const { diagrams, problems } = readDiagramSources();
if (problems.length > 0) {
  console.error(problems.map((p) => p.message).join('\n'));
  process.exit(1);
}
const todo = diagrams.filter((d) => args.all || !existsSync(d.svgPath) || embeddedHash(readFileSync(d.svgPath, 'utf8')) !== d.hash);
if (todo.length === 0) {
  console.log('diagram SVGs are current; --all renders them anyway');
  process.exit(0);
}

const executablePath = findBrowser();
const require = ensureTools();
const puppeteer = (await import(pathToFileURL(require.resolve('puppeteer-core')).href)).default;
const mermaidScript = require.resolve('mermaid/dist/mermaid.min.js');

const browser = await puppeteer.launch({ executablePath, headless: true, args: BROWSER_ARGS });
try {
  const page = await browser.newPage();
  // Nothing may leave the machine: the page only needs the script injected below.
  await page.setRequestInterception(true);
  page.on('request', (request) => (request.url().startsWith('about:') || request.url().startsWith('data:') ? request.continue() : request.abort()));
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
  await page.addScriptTag({ content: readFileSync(mermaidScript, 'utf8') });
  await page.evaluate((config) => globalThis.mermaid.initialize(config), MERMAID_CONFIG);
  for (const d of todo) {
    const svg = await renderOne(page, d);
    if (svg === undefined) continue;
    writeFileSync(d.svgPath, `<!-- source-sha256: ${d.hash} -->\n${svg}\n`);
    console.log(`rendered ${relative(process.cwd(), d.svgPath)}`);
  }
} finally {
  await browser.close();
}

async function renderOne(page, d) {
  try {
    return await page.evaluate(async (id, source) => {
      const { svg: html } = await globalThis.mermaid.render(id, source);
      // Mermaid returns HTML serialisation (e.g. <br> in labels); re-serialise it as XML, or the
      // file does not display as an image. Then parse it back to be sure, failing here, not on GitHub.
      const holder = globalThis.document.createElement('div');
      holder.innerHTML = html;
      const svg = new globalThis.XMLSerializer().serializeToString(holder.firstElementChild);
      const parsed = new globalThis.DOMParser().parseFromString(svg, 'image/svg+xml');
      if (parsed.getElementsByTagName('parsererror').length > 0) throw new Error(`rendered SVG is not well-formed: ${parsed.getElementsByTagName('parsererror')[0].textContent}`);
      return svg;
    }, `diagram-${d.name}`, d.source);
  } catch (err) {
    console.error(`${relative(process.cwd(), d.markdownPath)}: ${err.message.split('\n    at ')[0]}`);
    process.exitCode = 1;
    return undefined;
  }
}

const left = checkDiagrams();
if (left.length > 0) {
  console.error(describeProblems(left));
  process.exit(1);
}

function findBrowser() {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : BROWSER_CANDIDATES;
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    console.error(`No Chromium found (tried ${candidates.join(', ')}). Install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.`);
    process.exit(1);
  }
  return found;
}

/** Installs the pinned renderer into docs/diagrams/.render/ unless it is already there; returns a require rooted there. */
function ensureTools() {
  const require = createRequire(join(RENDER_DIR, 'package.json'));
  const installed = Object.entries(TOOLS).every(([name, version]) => {
    try {
      return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version === version;
    } catch {
      return false;
    }
  });
  if (installed) return require;
  mkdirSync(RENDER_DIR, { recursive: true });
  writeFileSync(join(RENDER_DIR, 'package.json'), `${JSON.stringify({ name: 'portero-diagram-renderer', private: true, description: 'Generated by scripts/render-diagrams.mjs; not part of the project.', dependencies: TOOLS }, null, 2)}\n`);
  console.log(`installing ${Object.entries(TOOLS).map(([n, v]) => `${n}@${v}`).join(', ')} into ${relative(process.cwd(), RENDER_DIR)} ...`);
  // --ignore-scripts and PUPPETEER_SKIP_DOWNLOAD: no browser download, no install scripts.
  execFileSync('npm', ['install', '--prefix', RENDER_DIR, '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--workspaces=false'], {
    cwd: RENDER_DIR,
    stdio: 'inherit',
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
  });
  return require;
}
