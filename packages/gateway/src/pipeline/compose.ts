import type { Filter, GatewayContext, Next } from './types.js';

/**
 * Builds the onion once, when a route is compiled. The returned function runs the filters in
 * order and then `terminal` (normally the proxy). Calling `next()` twice from one filter is a
 * programming error and rejects, rather than sending a request upstream twice.
 */
export function compose(filters: readonly Filter[], terminal: Filter): (ctx: GatewayContext) => Promise<void> {
  const chain = [...filters, terminal];
  return function run(ctx: GatewayContext): Promise<void> {
    let last = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= last) return Promise.reject(new Error('next() called multiple times'));
      last = i;
      const filter = chain[i];
      if (filter === undefined) return Promise.resolve();
      const next: Next = () => dispatch(i + 1);
      try {
        return filter(ctx, next);
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}
