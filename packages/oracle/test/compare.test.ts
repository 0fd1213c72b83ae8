import { describe, expect, it } from 'vitest';
import { compareResults } from '../src/compare.ts';

describe('compareResults', () => {
  it('accepts equal results and ignores machine-dependent fields', () => {
    expect(compareResults({ ret: 3 }, { ret: 3 })).toBeUndefined();
    expect(compareResults(
      { ret: 0, out: { info_len: 232, info: { id: 1, load_time: 123, jited_prog_len: 20, name: 'p' } } },
      { ret: 0, out: { info_len: 232, info: { id: 1, name: 'p' } } },
    )).toBeUndefined();
    expect(compareResults({ ret: -22, out: { log_buf: 'x', log_true_size: 2 } }, { ret: -22 })).toBeUndefined();
  });

  it('reports ret, values, omissions and additions, one line each', () => {
    expect(compareResults({ ret: 3 }, { ret: -22 })).toBe('ret: kernel 3, model -1 EINVAL');
    const d = compareResults(
      { ret: 0, out: { count: 2, prog_ids: [1, 2], info: { name: 'a', tag: '00' } } },
      { ret: 0, out: { count: 2, prog_ids: [2, 1], info: { name: 'b' }, extra: 1 } },
    );
    expect(d?.split('\n')).toEqual([
      'out.prog_ids[0]: kernel 1, model 2',
      'out.prog_ids[1]: kernel 2, model 1',
      'out.info.name: kernel "a", model "b"',
      'out.info.tag: kernel wrote "00", the model omits it',
      'out.extra: the model writes 1, the kernel wrote nothing',
    ]);
    expect(compareResults({ ret: 0, out: { prog_ids: [1] } }, { ret: 0, out: { prog_ids: [] } })).toBe('out.prog_ids: kernel [1], model []');
  });
});
