export * from './kpis.ts';
export * from './tables.ts';
