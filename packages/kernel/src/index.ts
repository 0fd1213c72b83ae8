export { Kernel, type KernelOptions, type TraceEntry } from './kernel.ts';
export { libbpf, type LibBpf } from './libbpf.ts';
export { kernelFold, kernelFoldMany, datapath } from './fold.ts';
