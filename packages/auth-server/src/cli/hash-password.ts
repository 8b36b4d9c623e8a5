/**
 * Prints the scrypt hash of a password for the `users[].passwordHash` field of the config.
 * Usage: npm run hash-password -w @portero/auth-server            (reads the password from stdin)
 *        npm run hash-password -w @portero/auth-server -- secret  (argument; lands in shell history)
 */
import { hashPassword } from '../passwords/scrypt.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const password = process.argv[2] ?? (await readStdin());
if (!password) {
  process.stderr.write('hash-password: give the password as the argument or on stdin\n');
  process.exit(1);
}
process.stdout.write(`${await hashPassword(password)}\n`);
