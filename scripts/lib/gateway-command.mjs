// How the gateway is launched by `npm start`, `npm run chaos` and the benchmark: the way the
// `portero` command launches it, with the Node options of its first line
// (`#!/usr/bin/env -S node <options>`), so those options are written in one place.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GATEWAY_BIN = fileURLToPath(new URL('../../packages/gateway/bin/portero.mjs', import.meta.url));
/** What the command runs once built (without it, it falls back to the sources through tsx). */
export const GATEWAY_BUILT_CLI = 'packages/gateway/dist/cli/main.js';
/** Environment for `gatewayCommand`: the built CLI, never the sources through tsx. */
export const GATEWAY_COMMAND_ENV = Object.freeze({ PORTERO_FROM_SOURCE: '0' });

// Options and values from a set that `env -S` passes through unchanged: no quotes, backslashes,
// `$` or `#`, which it would interpret, so the kernel's path and this parser agree.
const SHEBANG = /^#!\/usr\/bin\/env -S node((?: --[a-z0-9-]+(?:=[A-Za-z0-9_.,:/+@%-]+)?)*)$/;
// Linux before 5.1 reads at most 127 bytes of a first line (255 since); longer is refused.
const MAX_SHEBANG_BYTES = 127;

/** The Node options on the first line of `bin` (the `portero` command unless given). */
export function gatewayNodeOptions(bin = GATEWAY_BIN) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const match = Buffer.byteLength(first) <= MAX_SHEBANG_BYTES ? SHEBANG.exec(first) : null;
  if (match === null) throw new Error(`${bin}: first line is not "#!/usr/bin/env -S node [--option[=value] ...]" within ${MAX_SHEBANG_BYTES} bytes: ${first}`);
  return match[1].split(' ').filter((option) => option !== '');
}

/** `node <options> bin/portero.mjs start --config <file>`, with this process's Node. */
export function gatewayCommand(configFile) {
  return [process.execPath, ...gatewayNodeOptions(), GATEWAY_BIN, 'start', '--config', configFile];
}
