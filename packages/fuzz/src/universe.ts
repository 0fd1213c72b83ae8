// The small world random events live in: a few pids, low fds, a couple of veth pairs, a few bpffs
// paths. Keeping it small is what makes random streams hit real objects: a random fd is likely
// open, a random path likely pinned, a random device likely present.

/** Everything the arbitraries draw names and numbers from. Every field is plain data. */
export interface Universe {
  /** Processes. The first event of a pid starts it with fds 0-2 open. */
  readonly pids: readonly number[];
  /** fds drawn uniformly when not resolved to an open one: 0..maxFd. */
  readonly maxFd: number;
  /**
   * fds that are never open in a trace (beyond maxFd): -EBADF paths. The oracle's helpers keep
   * their command channel at fds 1000 and 1001, so those are never drawn.
   */
  readonly farFds: readonly number[];
  /** bpffs directories mkdir and unlink(dir) work on; parents come before children. */
  readonly dirs: readonly string[];
  /** Paths objects are pinned at (each in the root or in one of `dirs`). */
  readonly pins: readonly string[];
  /**
   * Paths that are wrong in some way (the mount itself, a missing directory, outside bpffs, empty,
   * relative, dot segments): drawn now and then by pin, get, mkdir and unlink.
   */
  readonly oddPaths: readonly string[];
  /** veth pairs, as [name, peer]; `ip link add NAME type veth peer name PEER`. */
  readonly veths: readonly (readonly [string, string])[];
  /** Names that are no device (or lo, which cannot be deleted). */
  readonly oddNetdevs: readonly string[];
  /**
   * Hash maps and bloom filters get BPF_F_ZERO_SEED: the kernel seeds them at random otherwise, and
   * their element order (GET_NEXT_KEY) or false positives (bloom lookups) would differ from the
   * model's for no fault of either. Differential runs need this; model-only runs need not.
   */
  readonly zeroSeed: boolean;
}

export const DEFAULT_UNIVERSE: Universe = Object.freeze({
  pids: Object.freeze([100, 101, 102]),
  maxFd: 10,
  farFds: Object.freeze([77, 1023, 4096, 0xffffffff]),
  dirs: Object.freeze(['/sys/fs/bpf/d', '/sys/fs/bpf/d/e', '/sys/fs/bpf/t']),
  pins: Object.freeze(['/sys/fs/bpf/a', '/sys/fs/bpf/b', '/sys/fs/bpf/d/m', '/sys/fs/bpf/d/e/p', '/sys/fs/bpf/t/a']),
  oddPaths: Object.freeze(['/sys/fs/bpf', '/sys/fs/bpf/', '/sys/fs/bpf/nodir/x', '/sys/fs/bpf/./a', '/sys/fs/bpf/d/../b', '/sys/fs/bpf/a/x', '/tmp/x', '', 'rel']),
  veths: Object.freeze([Object.freeze(['fz0', 'fy0'] as const), Object.freeze(['fz1', 'fy1'] as const)]),
  oddNetdevs: Object.freeze(['lo', 'nodev', 'veth0']),
  zeroSeed: true,
});

/** DEFAULT_UNIVERSE with some fields replaced. */
export function universe(overrides: Partial<Universe> = {}): Universe {
  return Object.freeze({ ...DEFAULT_UNIVERSE, ...overrides });
}
