// Time as a port, so pure modules (state machines, SLA rules) can be tested with a fixed clock.
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
