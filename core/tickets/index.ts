// The ticket domain (issue 5): what a ticket is about, its life as a state machine, who owns it, how serious it
// is, and its time limits. Pure modules: no I/O, time passed in.
export * from './types.ts';
export * from './lifecycle.ts';
export * from './responsibility.ts';
export * from './same-issue.ts';
export * from './severity.ts';
export * from './clocks.ts';
export * from './clock-review.ts';
