export * from './kpis.ts';
export * from './tables.ts';
export * from './schedule.ts';
export * from './xlsx.ts';
