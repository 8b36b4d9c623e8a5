import { Type } from '@sinclair/typebox';

/** `services.<name>.healthCheck`: active HTTP probes; off unless configured. */
export const HealthCheckSchema = Type.Object(
  {
    path: Type.String({ pattern: '^/', description: 'Path probed with GET on every endpoint; a 2xx answer passes.' }),
    intervalMs: Type.Integer({ minimum: 100, default: 5000, description: 'Time between two probes of one endpoint (after the previous one finished).' }),
    timeoutMs: Type.Integer({ minimum: 10, default: 1000, description: 'A probe without a response head within this time fails.' }),
    healthyThreshold: Type.Integer({ minimum: 1, maximum: 100, default: 2, description: 'Consecutive passing probes that bring an unhealthy endpoint back.' }),
    unhealthyThreshold: Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'Consecutive failing probes that take an endpoint out. New endpoints count as healthy until then.' }),
  },
  { additionalProperties: false, description: 'Active health checks: each endpoint is probed over HTTP; one that fails unhealthyThreshold probes in a row gets no traffic until it passes healthyThreshold in a row. A passing probe also ends an outlier ejection early.' },
);

/** `services.<name>.outlierDetection`: passive health from real traffic (Envoy's fields). */
export const OutlierDetectionSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Eject endpoints whose responses fail in a row.' }),
    consecutive5xx: Type.Integer({ minimum: 0, default: 5, description: 'Consecutive 5xx answers or network errors that eject an endpoint; 0 disables this detector.' }),
    consecutiveGatewayFailure: Type.Integer({ minimum: 0, default: 3, description: 'Consecutive 502/503/504 answers or connect/reset/timeout errors that eject an endpoint; 0 disables this detector.' }),
    baseEjectionTimeMs: Type.Integer({ minimum: 100, default: 30000, description: 'An ejection lasts this long times the number of times the endpoint has been ejected.' }),
    maxEjectionTimeMs: Type.Integer({ minimum: 100, default: 300000, description: 'Longest single ejection. An endpoint that stays in for this long starts its multiplier over.' }),
    maxEjectionPercent: Type.Integer({ minimum: 0, maximum: 100, default: 50, description: 'Most endpoints ejected at once, in percent of the service (rounded down, but one may always be ejected); 0 disables ejection.' }),
  },
  { additionalProperties: false, default: {}, description: 'Passive outlier detection. When every endpoint is out (ejected or failing active checks) the service answers 503 at once with Retry-After.' },
);
