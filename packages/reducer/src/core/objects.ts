// Reference counting of progs, maps and links: an object is freed when its last reference goes,
// and freeing does what the kernel's free path does (a prog drops its maps, a link detaches).
import { TABLE_OF, type ObjKind } from '../state.ts';
import type { S } from './draft.ts';
import { releaseLink } from '../links/release.ts';
import { assign, child, view } from '../draft/index.ts';
import { releaseUserRef } from '../maps/prog-array.ts';


export function objectOf(s: S, kind: ObjKind, id: number) {
  return kind === 'file' ? undefined : child(child(s, TABLE_OF[kind]), id); // stdio and other files have no BPF object
}

export function ref(s: S, kind: ObjKind, id: number): void {
  const o = objectOf(s, kind, id);
  if (o) assign(o, 'refs', view(o).refs + 1);
}

export function unref(s: S, kind: ObjKind, id: number): void {
  const o = objectOf(s, kind, id);
  if (!o) return;
  if (kind === 'map') releaseUserRef(s, id);
  const refs = view(o).refs - 1;
  assign(o, 'refs', refs);
  if (refs > 0) return;
  switch (kind) {
    case 'prog': {
      const prog = child(child(s, 'progs'), id);
      delete s.progs[id];
      for (const mapId of prog.map_ids) unref(s, 'map', mapId);
      return;
    }
    case 'map':
      delete s.maps[id];
      return;
    case 'link': {
      const link = child(child(s, 'links'), id);
      releaseLink(s, link);
      delete s.links[id];
      unref(s, 'prog', link.prog_id);
      return;
    }
  }
}
