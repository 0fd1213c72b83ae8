// Path resolution for the modelled bpffs, mounted at /sys/fs/bpf. Paths outside it are taken to be
// on another filesystem whose directories exist and whose files do not (documented in README).
import { BPFFS_ROOT } from '../state.ts';

export type Resolved = { readonly inBpffs: true; readonly rel: string; readonly parent: string } | { readonly inBpffs: false };

/** Normalises `.`/`..`/`//` and places the path in bpffs: rel '' is the mount's root. */
export function resolvePath(pathname: string): Resolved {
  if (!pathname.startsWith('/')) return { inBpffs: false };
  const parts: string[] = [];
  for (const p of pathname.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop(); else parts.push(p);
  }
  const root = BPFFS_ROOT.split('/').filter(Boolean);
  if (parts.length < root.length || root.some((r, i) => parts[i] !== r)) return { inBpffs: false };
  const rel = parts.slice(root.length);
  return { inBpffs: true, rel: rel.join('/'), parent: rel.slice(0, -1).join('/') };
}
