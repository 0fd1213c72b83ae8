// bpfsim tunes V8's garbage collector for the process, once each: allocation-site pretenuring
// off (the CLI at start, the first fuzzWith, the first Session), and scavenges on one thread (the
// first replayTrace, which is also how a ReplayPool is used).
//
// Pretenuring.
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
// Scavenges on one thread. A scavenge copies what survives it; replay leaves little (~8 KB promoted
// a scavenge), and splitting so little work over helper threads costs more than it saves: with
// --no-parallel-scavenge, replaying a million events took ~5% less CPU time on one thread, and on a
// ReplayPool, where every core runs JavaScript and the helpers only take time from it, the pool
// replayed ~4% faster (bench/replay.ts; --single-threaded-gc at start measured the same). Fuzzing
// keeps them: its runs leave ~0.55 MB a scavenge, and one core fuzzed ~7% slower without them.
// V8 reads the flag at each scavenge, so setting it at run time is safe (unlike the flags of
// concurrent marking, which V8 holds across a collection and aborts on when changed mid-way).
//
// V8's flags are the process's: this changes no result, only how V8 collects (and is skipped when
// the runtime refuses flags at run time).
import { setFlagsFromString } from 'node:v8';

const done = new Set<string>();

function once(flag: string): void {
  if (done.has(flag)) return;
  done.add(flag);
  try {
    setFlagsFromString(flag);
  } catch {
    // flags frozen after start-up: slower, nothing else changes
  }
}

/** Turns V8's allocation-site pretenuring off (the first call only). */
export const noPretenuring = (): void => once('--no-allocation-site-pretenuring');

/** Makes V8 scavenge on the collecting thread alone (the first call only). */
export const serialScavenges = (): void => once('--no-parallel-scavenge');
