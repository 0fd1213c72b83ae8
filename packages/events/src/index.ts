export * from './uapi.ts';
export * from './errno.ts';
export * from './insn.ts';
export * from './schema.ts';
export * from './attrs.ts';
export * from './event.ts';
export * from './validate.ts';
export * from './hex.ts';
