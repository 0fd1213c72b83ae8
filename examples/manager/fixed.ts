// `bpfsim fuzz --target examples/manager/fixed.ts`: the manager that swaps by identity with
// BPF_F_REPLACE and expected_revision. Every invariant holds under every adversary.
import { managerSpec } from './spec.ts';

export default managerSpec(true);
