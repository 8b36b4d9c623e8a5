/**
 * What one try against an endpoint came to, as passive health, the circuit breaker and the retry
 * policy all see it. Network errors are split by whether the request can have reached the upstream.
 */
export type UpstreamOutcome =
  | { readonly kind: 'response'; readonly status: number }
  | {
      readonly kind: 'error';
      /**
       * connect: no connection was made (refused, connect timeout, DNS); the request was never sent.
       * reset: the connection failed after it was made; the request may have been processed.
       * timeout: no response head within the per-try timeout.
       */
      readonly error: 'connect' | 'reset' | 'timeout';
    };

/** 502, 503, 504 and every network error: the failures Envoy calls gateway failures. */
export function isGatewayFailure(outcome: UpstreamOutcome): boolean {
  if (outcome.kind === 'error') return true;
  return outcome.status === 502 || outcome.status === 503 || outcome.status === 504;
}

/** Any 5xx or network error (a network error is answered to the client as 502/504). */
export function isServerFailure(outcome: UpstreamOutcome): boolean {
  return outcome.kind === 'error' || outcome.status >= 500;
}
