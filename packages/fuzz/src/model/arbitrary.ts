// The arbitrary of a run's steps: operations (with their drawn arguments and the adversary actions
// that interrupt them) and adversary actions between operations. fast-check shrinks it: fewer
// steps, fewer interrupts, earlier interrupt points, simpler arguments.
import fc from 'fast-check';
import type { Compiled } from './run.ts';
import type { Interrupt, Step } from './types.ts';

/** How far into an operation an interrupt may land (its syscalls, or its eligible points). */
const MAX_AT = 12;
const MAX_AT_AFTER = 3;
const MAX_INTERRUPTS = 3;

export function stepArb<W>(c: Compiled<W>): fc.Arbitrary<Step> {
  const inside: fc.WeightedArbitrary<Interrupt>[] = [];
  const between: fc.WeightedArbitrary<Step>[] = [];
  for (const [name, a] of c.adversaries) {
    for (const [action, act] of Object.entries(a.actions)) {
      const weight = act.weight ?? 1;
      if (a.placement !== 'between') {
        const at = fc.nat({ max: a.after ? MAX_AT_AFTER : MAX_AT });
        inside.push({ weight, arbitrary: fc.record({ at, adversary: fc.constant(name), action: fc.constant(action), args: act.args }) });
      }
      if (a.placement !== 'inside') {
        between.push({ weight, arbitrary: fc.record({ kind: fc.constant('adversary' as const), adversary: fc.constant(name), action: fc.constant(action), args: act.args }) });
      }
    }
  }
  const interrupts: fc.Arbitrary<readonly Interrupt[]> = inside.length
    ? fc.array(fc.oneof(...inside), { maxLength: MAX_INTERRUPTS })
    : fc.constant([]);
  const ops: fc.WeightedArbitrary<Step>[] = [...c.ops].map(([name, op]) => ({
    weight: op.weight ?? 1,
    arbitrary: fc.record({ kind: fc.constant('op' as const), name: fc.constant(name), args: op.args ?? fc.constant(undefined), interrupts }),
  }));
  if (!between.length) return fc.oneof(...ops);
  // Operations and adversaries in about equal measure, whatever their numbers.
  return fc.oneof({ weight: 1, arbitrary: fc.oneof(...ops) }, { weight: 1, arbitrary: fc.oneof(...between) });
}

export function stepsArb<W>(c: Compiled<W>): fc.Arbitrary<Step[]> {
  return fc.array(stepArb(c), { minLength: 1, maxLength: c.maxSteps });
}
