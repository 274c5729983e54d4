/** The engine's notion of now. The scheduler issue adds accelerated and manual clocks behind this interface. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
