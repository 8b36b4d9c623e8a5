/** Milliseconds since the epoch; injected so rotation and refresh logic is testable without sleeping. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
