import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hashPassword, isScryptHash, verifyPassword } from '../src/passwords/scrypt.js';

test('scrypt hashes verify the right password only, with a fresh salt each time', async () => {
  const a = await hashPassword('correct horse');
  const b = await hashPassword('correct horse');
  assert.match(a, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('correct horse', b), true);
  assert.equal(await verifyPassword('correct horsf', a), false);
  assert.equal(await verifyPassword('', a), false);
});

test('malformed or hostile hashes never verify', async () => {
  const good = await hashPassword('pw');
  const cases = ['', 'pw', 'bcrypt$x', good.replace('16384', '16385'), good.replace('$8$', '$64$'), good.replace('16384', String(1 << 22)), good.slice(0, good.lastIndexOf('$') + 1)];
  for (const stored of cases) {
    assert.equal(await verifyPassword('pw', stored), false, stored);
  }
  assert.equal(isScryptHash(good), true);
  assert.equal(isScryptHash('pw'), false);
});

test('the hash-password CLI prints a hash of its argument or stdin', async () => {
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/hash-password.ts', 's3cret'], { env: process.env });
  assert.equal(await verifyPassword('s3cret', stdout.trim()), true);
  const child = run(process.execPath, ['--import', 'tsx', 'src/cli/hash-password.ts'], { env: process.env });
  child.child.stdin!.end('from-stdin\n');
  assert.equal(await verifyPassword('from-stdin', (await child).stdout.trim()), true);
});
