// Usage texts of check and diffuzz, apart from the commands so that main.ts loads the oracle and
// fast-check only when one of them runs.
export const CHECK_USAGE = `  check TRACE   replay a scenario, fixture, divergence file or trace on the model and on the live
                kernel (root; private namespaces) and print how far they agree and the first
                divergence; exit 0 if all agree, 1 at a divergence, 3 without a live kernel
                  --recorded     compare with the kernel results recorded in the file instead
                  --all          show every differing event, not only the first
                  --context N    events shown before a divergence (default 3)
                  --json         print the comparison as JSON`;

export const DIFFUZZ_USAGE = `  diffuzz --seed S --steps N
                differential fuzzing: N random events (stateful traces from seed S) on the model
                and on the live kernel; a divergence is shrunk and saved for check and run
                  --events-per-trace M  events per kernel run (default 100)
                  --time-budget SECONDS stop starting new traces after this long
                  --out FILE            where the shrunk divergence goes (default diffuzz-S.json;
                                        with --keep-going, more go to FILE-2.json, ...)
                  --keep-going          go on after a divergence (one saved per kind)
                  --no-shrink           save divergences as found
                  --jobs J              kernel runs at once (default 1; results do not depend on it)
                  --summary FILE        also write the summary as JSON
                  --verifier-defects   also draw program defects only the full verifier sees`;
