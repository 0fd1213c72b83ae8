// Path lookup in the modelled bpffs, mounted at /sys/fs/bpf, the way the VFS walks a path: every
// component but the last must be an existing directory (so `d/../x` needs `d`). Paths outside
// bpffs are taken to be on another filesystem whose directories exist and whose files do not
// (documented in README).
import { BPFFS_ROOT, type BpffsNode, type KernelState } from '../state.ts';

export type Resolved =
  | { readonly inBpffs: true; readonly rel: string; readonly parent: string; readonly err?: undefined }
  | { readonly inBpffs: false; readonly err?: undefined }
  | { readonly err: 'ENOENT' | 'ENOTDIR' };

const ROOT = BPFFS_ROOT.split('/').filter(Boolean);
const under = (parts: readonly string[]) => parts.length >= ROOT.length && ROOT.every((r, i) => parts[i] === r);

/**
 * The inode at `rel` (relative to the mount), or undefined: an own key of the table only, since a
 * pin may be named like a member of Object.prototype ("constructor", "__proto__").
 */
export function bpffsNode(s: Pick<KernelState, 'bpffs'>, rel: string): BpffsNode | undefined {
  const fs = s.bpffs;
  return Object.prototype.hasOwnProperty.call(fs, rel) ? fs[rel] : undefined;
}

/** Looks `pathname` up: where it lands (rel '' is the mount's root), or the walk's errno. */
export function resolvePath(s: Pick<KernelState, 'bpffs'>, pathname: string): Resolved {
  if (!pathname.startsWith('/')) return { inBpffs: false };
  const comps = pathname.split('/').filter((p) => p !== '' && p !== '.');
  const cur: string[] = [];
  for (let i = 0; i < comps.length; i++) {
    if (comps[i] === '..') cur.pop(); else cur.push(comps[i]);
    if (i === comps.length - 1 || !under(cur) || cur.length === ROOT.length) continue;
    const node = bpffsNode(s, cur.slice(ROOT.length).join('/'));
    if (!node) return { err: 'ENOENT' };
    if (node.kind !== 'dir') return { err: 'ENOTDIR' };
  }
  if (!under(cur)) return { inBpffs: false };
  const rel = cur.slice(ROOT.length);
  return { inBpffs: true, rel: rel.join('/'), parent: rel.slice(0, -1).join('/') };
}
