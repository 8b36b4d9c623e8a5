import type { Filter, GatewayContext, Next } from './types.js';

const TERMINAL_NEXT: Next = () => Promise.resolve();

/**
 * Builds the onion once, when a route is compiled. The returned function runs the filters in
 * order and then `terminal` (normally the proxy). Calling `next()` twice from one filter is a
 * programming error and rejects, rather than sending a request upstream twice.
 *
 * Per request this allocates one `next` function per filter and nothing else: no dispatcher
 * closure, no promise frame of its own (a filter's promise is returned as is).
 */
export function compose(filters: readonly Filter[], terminal: Filter): (ctx: GatewayContext) => Promise<void> {
  const chain: readonly Filter[] = [...filters, terminal];
  const last = chain.length - 1;

  function step(ctx: GatewayContext, i: number): Promise<void> {
    const filter = chain[i] as Filter;
    let next = TERMINAL_NEXT;
    if (i < last) {
      let called = false;
      next = () => {
        if (called) return Promise.reject(new Error('next() called multiple times'));
        called = true;
        return step(ctx, i + 1);
      };
    }
    try {
      return filter(ctx, next);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  return function run(ctx: GatewayContext): Promise<void> {
    return step(ctx, 0);
  };
}
