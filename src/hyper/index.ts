export * from './config.ts';
export * from './pack.ts';
export * from './stored.ts';
export * from './synthesis.ts';
export * from './deployable.ts';
export * from './cost.ts';
export * from './bytes.ts';
export * from './ablations.ts';
