/**
 * Whether the instance wants traffic. Draining starts on SIGTERM: /health/ready answers 503 so
 * balancers and the registry stop sending new requests while in-flight ones finish.
 */
export interface Readiness {
  isDraining(): boolean;
  startDraining(): void;
}

export function createReadiness(): Readiness {
  let draining = false;
  return {
    isDraining: () => draining,
    startDraining: () => {
      draining = true;
    },
  };
}
