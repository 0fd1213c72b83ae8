// BPF_OBJ_PIN / BPF_OBJ_GET, and mkdir(2) / unlink(2) / rmdir(2) on the modelled bpffs.
// A pin holds a reference to its object until the path is unlinked.
import { BPF_F_PATH_FD, BPF_F_RDONLY, BPF_F_WRONLY, type AttrOf, type Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { fdEntry, installFd } from '../core/procs.ts';
import { ref, unref } from '../core/objects.ts';
import { fail, ok } from '../result.ts';
import { fileMode } from '../maps/create.ts';
import { bpffsNode, resolvePath } from './path.ts';

export function objPin(s: S, pid: number, a: AttrOf<'BPF_OBJ_PIN'>): Result {
  const file_flags = a.file_flags ?? 0;
  if (file_flags & ~BPF_F_PATH_FD) return fail('EINVAL');
  if (!(file_flags & BPF_F_PATH_FD) && a.path_fd) return fail('EINVAL');
  if (file_flags & BPF_F_PATH_FD) return fail('EBADF'); // no directory fds are modelled
  // bpf_fd_probe_obj(): a map, a prog or a link; anything else, even no file at all, is -EINVAL.
  const entry = fdEntry(s, pid, a.bpf_fd);
  if (!entry || entry.kind === 'file') return fail('EINVAL');
  // user_path_create(): the parent must exist, the name must not.
  if (a.pathname === '') return fail('ENOENT');
  const p = resolvePath(s, a.pathname);
  if (p.err) return fail(p.err);
  if (!p.inBpffs) return fail('EPERM');
  if (p.rel === '' || bpffsNode(s, p.rel)) return fail('EEXIST');
  s.bpffs[p.rel] = { kind: entry.kind, id: entry.id };
  ref(s, entry.kind, entry.id);
  return ok(0);
}

export function objGet(s: S, pid: number, a: AttrOf<'BPF_OBJ_GET'>): Result {
  const file_flags = a.file_flags ?? 0;
  if (a.bpf_fd || file_flags & ~(BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_PATH_FD)) return fail('EINVAL');
  if (!(file_flags & BPF_F_PATH_FD) && a.path_fd) return fail('EINVAL');
  const mode = fileMode(file_flags);
  if (mode === 'EINVAL') return fail('EINVAL');
  if (file_flags & BPF_F_PATH_FD) return fail('EBADF');
  if (a.pathname === '') return fail('ENOENT');
  const p = resolvePath(s, a.pathname);
  if (p.err) return fail(p.err);
  if (!p.inBpffs) return fail('ENOENT');
  const node = p.rel === '' ? { kind: 'dir' as const } : bpffsNode(s, p.rel);
  if (!node) return fail('ENOENT');
  if (node.kind === 'dir' || node.kind === 'file') return fail('EACCES');
  if (node.kind === 'link' && mode) return fail('EINVAL');
  const fd = installFd(s, pid, node.kind === 'map' && mode ? { kind: 'map', id: node.id, mode } : { kind: node.kind, id: node.id });
  return fd < 0 ? fail('EMFILE') : ok(fd);
}

export function mkdir(s: S, pathname: string): Result {
  const p = resolvePath(s, pathname);
  if (p.err) return fail(p.err);
  if (!p.inBpffs) return fail('EPERM');
  if (p.rel === '' || bpffsNode(s, p.rel)) return fail('EEXIST');
  s.bpffs[p.rel] = { kind: 'dir' };
  return ok(0);
}

export function unlink(s: S, pathname: string, dir: boolean): Result {
  const p = resolvePath(s, pathname);
  if (p.err) return fail(p.err);
  if (!p.inBpffs) return fail('ENOENT');
  if (p.rel === '') return fail(dir ? 'EBUSY' : 'EISDIR');
  const node = bpffsNode(s, p.rel);
  if (!node) return fail('ENOENT');
  if (dir) {
    if (node.kind !== 'dir') return fail('ENOTDIR');
    const prefix = p.rel + '/';
    for (const k of Object.keys(s.bpffs)) if (k.startsWith(prefix)) return fail('ENOTEMPTY');
    delete s.bpffs[p.rel];
    return ok(0);
  }
  if (node.kind === 'dir') return fail('EISDIR');
  delete s.bpffs[p.rel];
  unref(s, node.kind, node.id);
  return ok(0);
}
