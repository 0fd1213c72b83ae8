// bpf(2): one handler per modelled command.
import type { BpfEvent, Result } from '@bpfsim/events';
import type { S } from './core/draft.ts';
import { startProc } from './core/procs.ts';
import { getFdById, getNextId } from './core/byid.ts';
import { objGetInfoByFd } from './core/info.ts';
import { mapCreate } from './maps/create.ts';
import { mapDelete, mapFreeze, mapGetNextKey, mapLookup, mapLookupAndDelete, mapUpdate } from './maps/elem.ts';
import { progLoad } from './prog/load.ts';
import { objGet, objPin } from './bpffs/pin.ts';
import { fail } from './result.ts';
import { attachCmd } from './tcx/index.ts';

export function bpf(s: S, e: BpfEvent): Result {
  const pid = e.pid;
  startProc(s, pid);
  switch (e.cmd) {
    case 'BPF_MAP_CREATE': return mapCreate(s, pid, e.attr);
    case 'BPF_MAP_LOOKUP_ELEM': return mapLookup(s, pid, e.attr);
    case 'BPF_MAP_UPDATE_ELEM': return mapUpdate(s, pid, e.attr);
    case 'BPF_MAP_DELETE_ELEM': return mapDelete(s, pid, e.attr);
    case 'BPF_MAP_LOOKUP_AND_DELETE_ELEM': return mapLookupAndDelete(s, pid, e.attr);
    case 'BPF_MAP_GET_NEXT_KEY': return mapGetNextKey(s, pid, e.attr);
    case 'BPF_MAP_FREEZE': return mapFreeze(s, pid, e.attr);
    case 'BPF_PROG_LOAD': return progLoad(s, pid, e.attr);
    case 'BPF_OBJ_PIN': return objPin(s, pid, e.attr);
    case 'BPF_OBJ_GET': return objGet(s, pid, e.attr);
    case 'BPF_PROG_GET_NEXT_ID': return getNextId(s, 'prog', e.attr);
    case 'BPF_MAP_GET_NEXT_ID': return getNextId(s, 'map', e.attr);
    case 'BPF_LINK_GET_NEXT_ID': return getNextId(s, 'link', e.attr);
    case 'BPF_PROG_GET_FD_BY_ID': return getFdById(s, pid, 'prog', e.attr.prog_id, e.attr.open_flags ?? 0);
    case 'BPF_MAP_GET_FD_BY_ID': return getFdById(s, pid, 'map', e.attr.map_id, e.attr.open_flags ?? 0);
    case 'BPF_LINK_GET_FD_BY_ID': return getFdById(s, pid, 'link', e.attr.link_id, e.attr.open_flags ?? 0);
    case 'BPF_OBJ_GET_INFO_BY_FD': return objGetInfoByFd(s, pid, e.attr);
    case 'BPF_PROG_ATTACH':
    case 'BPF_PROG_DETACH':
    case 'BPF_PROG_QUERY':
    case 'BPF_LINK_CREATE':
    case 'BPF_LINK_UPDATE':
    case 'BPF_LINK_DETACH':
      return attachCmd(s, e);
    case 'BPF_PROG_TEST_RUN': // reached only by a fold without a datapath (see fold.ts)
      return fail('ENOTSUPP');
  }
}
