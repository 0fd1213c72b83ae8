// *_GET_NEXT_ID and *_GET_FD_BY_ID: walking and opening objects by id (CAP_SYS_ADMIN: bpfsim's
// processes are root).
import { BPF_F_RDONLY, BPF_F_WRONLY, type AttrOf, type Result } from '@bpfsim/events';
import type { S } from './draft.ts';
import { INT_MAX, nextLiveId } from './ids.ts';
import { installFd } from './procs.ts';
import { fail, ok } from '../result.ts';
import { TABLE_OF, type BpfObjKind } from '../state.ts';
import { fileMode } from '../maps/create.ts';


export function getNextId(s: S, kind: BpfObjKind, a: AttrOf<'BPF_PROG_GET_NEXT_ID'>): Result {
  const start = a.start_id ?? 0;
  if (start >= INT_MAX) return fail('EINVAL');
  const next = nextLiveId(s[TABLE_OF[kind]], start);
  return next === undefined ? fail('ENOENT') : ok(0, { next_id: next });
}

/** bpf_prog_get_fd_by_id(), bpf_map_get_fd_by_id(), bpf_link_get_fd_by_id(). */
export function getFdById(s: S, pid: number, kind: BpfObjKind, id: number, open_flags: number): Result {
  let mode;
  if (kind === 'map') {
    if (open_flags & ~(BPF_F_RDONLY | BPF_F_WRONLY)) return fail('EINVAL'); // BPF_OBJ_FLAG_MASK
    mode = fileMode(open_flags);
    if (mode === 'EINVAL') return fail('EINVAL');
  } else if (open_flags) return fail('EINVAL');
  if (!s[TABLE_OF[kind]][id]) return fail('ENOENT');
  const fd = installFd(s, pid, mode ? { kind, id, mode } : { kind, id });
  return fd < 0 ? fail('EMFILE') : ok(fd);
}
