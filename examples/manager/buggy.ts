// `bpfsim fuzz --target examples/manager/buggy.ts` (the default target): the manager that detaches
// by position. The fuzzer finds it leaving two copies of its policy attached, or taking another
// process's program off the chain.
import { managerSpec } from './spec.ts';

export default managerSpec(false);
