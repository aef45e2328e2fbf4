export * from './config.ts';
export * from './errors.ts';
export * from './logger.ts';
export * from './clock.ts';
export * from './contracts.ts';
export * from './phone.ts';
export * from './password.ts';
export * from './calendar.ts';
