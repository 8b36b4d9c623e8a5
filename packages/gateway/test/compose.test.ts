import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compose } from '../src/pipeline/compose.js';
import type { Filter, GatewayContext } from '../src/pipeline/types.js';

const ctx = {} as GatewayContext;

test('filters run in order around the terminal', async () => {
  const seen: string[] = [];
  const filter =
    (name: string): Filter =>
    async (_ctx, next) => {
      seen.push(`${name}>`);
      await next();
      seen.push(`<${name}`);
    };
  const run = compose([filter('a'), filter('b')], async () => {
    seen.push('terminal');
  });
  await run(ctx);
  assert.deepEqual(seen, ['a>', 'b>', 'terminal', '<b', '<a']);
});

test('a filter that answers without next() stops the chain', async () => {
  let reached = false;
  const run = compose([() => Promise.resolve()], async () => {
    reached = true;
  });
  await run(ctx);
  assert.equal(reached, false);
});

test('next() called twice by one filter rejects and the terminal runs once', async () => {
  let terminalRuns = 0;
  const run = compose(
    [
      async (_ctx, next) => {
        await next();
        await next();
      },
    ],
    async () => {
      terminalRuns++;
    },
  );
  await assert.rejects(run(ctx), /next\(\) called multiple times/);
  assert.equal(terminalRuns, 1);
});

test('a filter that throws synchronously yields a rejected promise', async () => {
  const boom = new Error('boom');
  const run = compose(
    [
      () => {
        throw boom;
      },
    ],
    () => Promise.resolve(),
  );
  await assert.rejects(run(ctx), (err) => err === boom);
});

test('each request gets its own next(): concurrent runs do not interfere', async () => {
  let terminalRuns = 0;
  const run = compose([(_ctx, next) => next()], async () => {
    terminalRuns++;
  });
  await Promise.all([run(ctx), run(ctx), run(ctx)]);
  assert.equal(terminalRuns, 3);
});
