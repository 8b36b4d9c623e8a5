/**
 * The `portero` command's first line carries the gateway's Node options (a larger V8 semi-space);
 * `npm start`, `npm run chaos` and the benchmark read them from there
 * (scripts/lib/gateway-command.mjs). These tests check that the kernel, through `env -S`, hands
 * Node the same options the helper reads, that V8 applies them, that the local system's specs
 * launch the gateway that way, and that a first line the helper cannot read is refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';

interface GatewayCommandModule {
  GATEWAY_BIN: string;
  GATEWAY_BUILT_CLI: string;
  gatewayNodeOptions(bin?: string): string[];
  gatewayCommand(configFile: string): string[];
}
interface ProcessSpec {
  command: string[];
  requires: string;
  env: Record<string, string>;
}
interface LocalSystemModule {
  localSystem(): { gateway: ProcessSpec; auth: ProcessSpec; customerInstance(n: number): ProcessSpec };
}

const launcher = (await import(new URL('../../../scripts/lib/gateway-command.mjs', import.meta.url).href)) as GatewayCommandModule;
const { localSystem } = (await import(new URL('../../../scripts/lib/local-system.mjs', import.meta.url).href)) as LocalSystemModule;
const run = promisify(execFile);
const TIMEOUT_MS = 20_000;
// The directory of this process's node first on PATH, so `env node` finds the same Node.
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;

const dir = mkdtempSync(join(tmpdir(), 'portero-launcher-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the kernel, through the command's first line, gives Node exactly the options the helper reads", async () => {
  const firstLine = readFileSync(launcher.GATEWAY_BIN, 'utf8').split('\n', 1)[0]!;
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, `${firstLine}\nconsole.log(JSON.stringify(process.execArgv));\n`);
  chmodSync(probe, 0o755);
  const { stdout } = await run(probe, [], { env: { PATH }, timeout: TIMEOUT_MS });
  assert.deepEqual(JSON.parse(stdout) as string[], launcher.gatewayNodeOptions());
});

test('the portero command itself runs through its first line', async () => {
  const { stdout } = await run(launcher.GATEWAY_BIN, ['help'], { env: { PATH, PORTERO_FROM_SOURCE: '1' }, timeout: TIMEOUT_MS });
  assert.match(stdout, /portero start --config FILE/);
});

test("V8 applies the launcher's semi-space option: the young generation grows beyond the default", async () => {
  const options = launcher.gatewayNodeOptions();
  const semi = options.map((o) => /^--max-semi-space-size=(\d+)$/.exec(o)).find((m) => m !== null);
  assert.ok(semi, `no --max-semi-space-size among ${options.join(' ')}`);
  const limit = 2 * Number(semi[1]) * 1024 * 1024;
  // Enough young allocation with survivors for V8 to grow new space to its maximum.
  const script = "const a=[]; for (let i=0;i<3e6;i++) a.push({i}); const s=require('v8').getHeapSpaceStatistics().find((x)=>x.space_name==='new_space'); console.log(s.space_size)";
  const measured = async (args: string[]) => Number((await run(process.execPath, [...args, '-e', script], { env: { PATH }, timeout: TIMEOUT_MS })).stdout.trim());
  const withOptions = await measured(options);
  const withDefaults = await measured([]);
  assert.ok(withOptions > withDefaults && withOptions <= limit, `new space ${withOptions} bytes with ${options.join(' ')}, ${withDefaults} without (at most ${limit} expected)`);
});

test('npm start and the chaos run launch the built gateway with those options', () => {
  const { gateway, auth } = localSystem();
  assert.deepEqual(gateway.command, [process.execPath, ...launcher.gatewayNodeOptions(), launcher.GATEWAY_BIN, 'start', '--config', 'config/local.yaml']);
  assert.equal(gateway.requires, launcher.GATEWAY_BUILT_CLI);
  assert.equal(gateway.env.PORTERO_FROM_SOURCE, '0');
  // Every spec names the built file start.mjs checks before starting anything.
  for (const spec of [gateway, auth, localSystem().customerInstance(1)]) assert.match(spec.requires, /\/dist\/.+\.js$/);
});

test('a first line env -S would read differently, or the kernel would cut, is refused with the line', () => {
  const refused = [
    '#!/usr/bin/env node --max-semi-space-size=32',
    '#!/usr/bin/node',
    '// no shebang',
    '#!/usr/bin/env -S node --max-semi-space-size=32 ; rm -rf /',
    '#!/usr/bin/env -S node --x=32;rm',
    '#!/usr/bin/env -S node --x=$(y)',
    "#!/usr/bin/env -S node --x='a'",
    '#!/usr/bin/env -S node --x=a\\_b',
    '#!/usr/bin/env -S node --x=${HOME}',
    '#!/usr/bin/env -S node --x=1 #comment',
    `#!/usr/bin/env -S node ${'--max-semi-space-size=32 '.repeat(5).trim()}`,
  ];
  const bin = join(dir, 'bin.mjs');
  for (const line of refused) {
    writeFileSync(bin, `${line}\nconsole.log(1);\n`);
    assert.throws(() => launcher.gatewayNodeOptions(bin), (err: Error) => err.message.includes('first line') && err.message.includes(line), line);
  }
  writeFileSync(bin, '#!/usr/bin/env -S node\n');
  assert.deepEqual(launcher.gatewayNodeOptions(bin), []);
  writeFileSync(bin, '#!/usr/bin/env -S node --max-semi-space-size=32 --stack-size=2000\n');
  assert.deepEqual(launcher.gatewayNodeOptions(bin), ['--max-semi-space-size=32', '--stack-size=2000']);
});
