// `bpfsim fuzz`: model-based fuzzing of a BPF loader or tc program manager (logic in
// @bpfsim/fuzz, loaded only when the command runs).
import { CliError } from './errors.ts';

export const FUZZ_USAGE = `  fuzz          model-based fuzzing: run a spec's operations interleaved with adversaries (a third
                party attaching before/after, revision races, netdev churn, crashes), check its
                invariants and the kernel's after every event, shrink the first failure and save it
                as a trace for replay and debug; exit 1 on a failure (default target: the example
                manager's buggy build, examples/manager/buggy.ts)
                  --target FILE        a module exporting the fuzz spec (default export, or --export NAME)
                  --seed S             the same seed gives the same runs and counterexample (default: random, printed)
                  --runs N             runs to try (default 1000; unbounded with --time-budget alone)
                  --time-budget SECONDS  stop starting runs after this long
                  --workers N          worker threads (default 1); the report does not depend on N
                  --out TRACE          where the counterexample goes (default fuzz-S.trace)
                  --max-steps N        steps per run (default: the spec's, or 10)
                  --shrink-budget N    candidates tried while shrinking (default 5000)
                  --json               print the report as JSON
                  --progress MODE      auto (default: a bar on a terminal) | always | never`;

export async function fuzzCommand(args: string[]): Promise<number> {
  const { fuzzCommand: run, FuzzCliError } = await import('@bpfsim/fuzz');
  try {
    return await run(args);
  } catch (e) {
    if (e instanceof FuzzCliError) throw new CliError(e.message, e.code);
    throw e;
  }
}
