import type { Clock } from '../health/clock.js';

/**
 * Counts of successes and failures over the last `windowMs`, kept in `buckets` slices so old
 * results fall out gradually instead of all at once.
 */
export interface RollingWindow {
  record(failed: boolean): void;
  totals(): { total: number; failures: number };
  reset(): void;
}

export function createRollingWindow(windowMs: number, buckets: number, clock: Clock): RollingWindow {
  const sliceMs = Math.max(1, Math.floor(windowMs / buckets));
  const totals = new Array<number>(buckets).fill(0);
  const failures = new Array<number>(buckets).fill(0);
  const slices = new Array<number>(buckets).fill(-1);

  const slot = (): number => {
    const slice = Math.floor(clock() / sliceMs);
    const i = slice % buckets;
    if (slices[i] !== slice) {
      slices[i] = slice;
      totals[i] = 0;
      failures[i] = 0;
    }
    return i;
  };

  return {
    record(failed) {
      const i = slot();
      totals[i]!++;
      if (failed) failures[i]!++;
    },
    totals() {
      const current = Math.floor(clock() / sliceMs);
      let total = 0;
      let failed = 0;
      for (let i = 0; i < buckets; i++) {
        if (slices[i]! > current - buckets) {
          total += totals[i]!;
          failed += failures[i]!;
        }
      }
      return { total, failures: failed };
    },
    reset() {
      slices.fill(-1);
    },
  };
}
