// Resolving an fd argument to the object its file refers to, with the kernel's errnos:
// -EBADF when no file is open at that fd, -EINVAL when the file is not of the expected kind.
import type { ErrnoName } from '@bpfsim/events';
import type { BpfObjKind, FdEntry } from '../state.ts';
import type { S } from './draft.ts';
import { fdEntry } from './procs.ts';

export type Resolved = { readonly entry: FdEntry; readonly err?: undefined } | { readonly entry?: undefined; readonly err: ErrnoName };

export function resolveFd(s: S, pid: number, fd: number | undefined, kind: BpfObjKind): Resolved {
  // fds are ints in the kernel: a u32 above INT_MAX is negative, and no file is open there.
  const n = fd ?? 0; // a field left out is 0, and fd 0 is stdin
  const entry = n > 0x7fffffff ? undefined : fdEntry(s, pid, n);
  if (!entry) return { err: 'EBADF' };
  if (entry.kind !== kind) return { err: 'EINVAL' };
  return { entry };
}
