export * from './pool.ts';
export * from './migrations.ts';
export * from './owners.ts';
export * from './calls.ts';
export * from './agents.ts';
export * from './queues.ts';
export * from './tickets.ts';
export * from './self-service.ts';
