export * from './mapdata.ts';
export * from './radix.ts';
export * from './jhash.ts';
export * from './htab.ts';
export * from './bloom.ts';
export * from './read.ts';
