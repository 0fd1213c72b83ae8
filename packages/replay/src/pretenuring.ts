// Fuzzing and time travel turn off V8's allocation-site pretenuring for the process (once: the
// first fuzzWith, the first Session).
//
// V8 watches, at each scavenge, what share of the objects made at each object or array literal
// survived; a literal whose objects nearly all did ("tenured") gets its objects made in the old
// generation from then on. A fuzzing run's objects (its kernel, trace, world, states) live as
// long as the run, ~0.2 MB of allocation, and die: yet V8 tenured hundreds of the literals they
// are made at (--trace-pretenuring-statistics: 300+ "=> tenure" in 3,000 runs). A container made
// old that is then written young objects (an array pushed onto, a map set) keeps them alive
// through every scavenge until the next full GC, dead or not, and what they hold in turn: each
// scavenge copied ~0.95 MB where ~0.06 MB was live (a full GC in the middle of a run frees all but
// that), and so kept the sites tenured. Scavenges took ~25% of the fuzzing's CPU time.
// Without pretenuring ~0.55 MB survive a scavenge, and fuzzing the example manager runs 1.3x the
// events per CPU-second in bench/fuzz.ts (main thread and pool worker), 1.7x in a process that only
// fuzzes (medians of alternated processes; the commit has the numbers). Time travel is the same
// story: a seek's states live until the next seek, and with pretenuring each scavenge during
// random seeks over a million events copied ~0.45 MB and promoted ~1.2 MB (8-10 ms pauses, the
// seeks' p99); without it ~0.05 MB (2-4 ms).
//
// V8's flags are the process's: this changes no result, only where V8 allocates (and is skipped
// when the runtime refuses flags at run time).
import { setFlagsFromString } from 'node:v8';

let done = false;

/** Turns V8's allocation-site pretenuring off (the first call only). */
export function noPretenuring(): void {
  if (done) return;
  done = true;
  try {
    setFlagsFromString('--no-allocation-site-pretenuring');
  } catch {
    // flags frozen after start-up: fuzzing is slower, nothing else changes
  }
}
