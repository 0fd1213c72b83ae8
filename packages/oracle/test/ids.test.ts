import { describe, expect, it } from 'vitest';
import { BPF_F_ID, BPF_F_LINK } from '@bpfsim/events';
import { IdMap, foreignId } from '../src/ids.ts';
import { idsToKernel, idsToModel, progArrayValueToModel } from '../src/translate.ts';

function sample(): IdMap {
  const ids = new IdMap();
  ids.register('prog', 501);
  ids.register('prog', 530);
  ids.register('map', 77);
  ids.register('link', 12);
  return ids;
}

describe('IdMap', () => {
  it('numbers each kind from 1 in creation order', () => {
    const ids = sample();
    expect([ids.toModel('prog', 501), ids.toModel('prog', 530), ids.toModel('map', 77), ids.toModel('link', 12)]).toEqual([1, 2, 1, 1]);
    expect(ids.toModel('prog', 77)).toBeUndefined();
    expect([ids.toKernel('prog', 2), ids.toKernel('map', 0)]).toEqual([530, 0]);
  });

  it('sends ids the trace never created to ids that do not exist', () => {
    const ids = sample();
    const k = ids.toKernel('prog', 9);
    expect(k).toBeGreaterThan(0x7fff0000);
    expect(k).toBeLessThanOrEqual(0x7fffffff);
    expect(ids.toKernel('prog', 0xfffffff0)).toBe(0xfffffff0);
  });

  it('starts GET_NEXT_ID walks at the kernel id of the model start', () => {
    const ids = sample();
    expect([ids.walkStart('prog', 0), ids.walkStart('prog', 1), ids.walkStart('prog', 2), ids.walkStart('prog', 5)]).toEqual([0, 501, 530, 530]);
    expect(new IdMap().walkStart('map', 3)).toBe(0);
    expect([ids.walkStart('prog', 0x7ffffffe), ids.walkStart('prog', 0x7fffffff), ids.walkStart('prog', 0xffffffff)]).toEqual([530, 0x7fffffff, 0xffffffff]);
  });

  it('numbers links by offset from the base, so ids failed link creates used up stay gaps', () => {
    const ids = new IdMap();
    ids.setBase('link', 96);
    expect(ids.register('link', 96)).toBe(1);
    // 97 went to a failed BPF_LINK_CREATE
    expect(ids.register('link', 98)).toBe(3);
    expect([ids.toModel('link', 96), ids.toModel('link', 97), ids.toModel('link', 98), ids.toModel('link', 95)]).toEqual([1, undefined, 3, undefined]);
    expect([ids.toKernel('link', 0), ids.toKernel('link', 1), ids.toKernel('link', 2), ids.toKernel('link', 3), ids.toKernel('link', 9)]).toEqual([0, 96, 97, 98, 104]);
    expect(ids.toKernel('link', 0xfffffff0)).toBe(0xfffffff0);
    expect([ids.walkStart('link', 0), ids.walkStart('link', 1), ids.walkStart('link', 2), ids.walkStart('link', 0x7ffffffe)]).toEqual([0, 96, 97, 0x7ffffffe]);
    expect(() => ids.register('link', 90)).toThrow(/below/);
    expect(() => ids.setBase('link', 5)).toThrow(/after/);
  });
});

describe('translation', () => {
  it('translates ids in events', () => {
    const ids = sample();
    expect(idsToKernel('BPF_PROG_GET_FD_BY_ID', { prog_id: 2 }, ids)).toEqual({ prog_id: 530 });
    expect(idsToKernel('BPF_LINK_GET_FD_BY_ID', { link_id: 1, open_flags: 0 }, ids)).toEqual({ link_id: 12, open_flags: 0 });
    expect(idsToKernel('BPF_PROG_ATTACH', { relative_id: 1, attach_flags: BPF_F_ID }, ids)).toMatchObject({ relative_id: 501 });
    expect(idsToKernel('BPF_PROG_ATTACH', { relative_id: 1, attach_flags: BPF_F_ID | BPF_F_LINK }, ids)).toMatchObject({ relative_id: 12 });
    // without BPF_F_ID the kernel reads the member as an fd
    expect(idsToKernel('BPF_PROG_DETACH', { relative_id: 1, attach_flags: 0 }, ids)).toMatchObject({ relative_id: 1 });
    expect(idsToKernel('BPF_LINK_CREATE', { flags: BPF_F_ID, tcx: { relative_id: 2 } }, ids)).toMatchObject({ tcx: { relative_id: 530 } });
  });

  it('translates ids in results, marking ids of other objects', () => {
    const ids = sample();
    expect(idsToModel('BPF_PROG_QUERY', { count: 3, prog_ids: [530, 501, 999], link_ids: [12, 0, 0] }, ids))
      .toEqual({ count: 3, prog_ids: [2, 1, foreignId(999)], link_ids: [1, 0, 0] });
    expect(idsToModel('BPF_OBJ_GET_INFO_BY_FD', { info_len: 64, info: { type: 11, id: 12, prog_id: 530 } }, ids, 'link'))
      .toEqual({ info_len: 64, info: { type: 11, id: 1, prog_id: 2 } });
    expect(idsToModel('BPF_OBJ_GET_INFO_BY_FD', { info_len: 104, info: { id: 77 } }, ids, 'map')).toEqual({ info_len: 104, info: { id: 1 } });
  });

  it('translates the prog id a prog array lookup answers (a little-endian u32)', () => {
    const ids = sample();
    expect(progArrayValueToModel('12020000', ids)).toBe('02000000'); // kernel 530 is model prog 2
    expect(progArrayValueToModel('e7030000', ids)).toBe('e7030000'); // 999: not the trace's, left as the kernel wrote it
  });
});
