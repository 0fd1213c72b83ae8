import { describe, expect, it } from 'vitest';
import { OP, bpfPayload, frame, parseBpfAnswer } from '../src/native/protocol.ts';

describe('helper protocol', () => {
  it('frames a bpf request as helper.c reads it', () => {
    const attr = new Uint8Array(168);
    attr[0] = 1;
    const payload = bpfPayload({ cmd: 5, attr, bufs: [{ field: 'insns', ptrOff: 8, input: new Uint8Array([9, 9]), cap: 16, output: false, retLen: 0, cstr: false }] });
    const f = frame(OP.BPF, payload);
    expect(f.readUInt32LE(0)).toBe(4 + payload.length);
    expect(f.readUInt32LE(4)).toBe(OP.BPF);
    expect([f.readUInt32LE(8), f.readUInt32LE(12), f.readUInt32LE(16)]).toEqual([5, 168, 1]);
    const spec = 8 + 16 + 168;
    expect([f.readUInt32LE(spec), f.readUInt32LE(spec + 4), Number(f.readBigUInt64LE(spec + 8)), Number(f.readBigUInt64LE(spec + 16))]).toEqual([8, 0, 2, 16]);
    expect([...f.subarray(spec + 32)]).toEqual([9, 9]);
  });

  it('parses an answer with the attr and buffers after the call', () => {
    const b = Buffer.alloc(16 + 8 + 4 + 8 + 3);
    b.writeBigInt64LE(-1n, 0);
    b.writeInt32LE(28, 8);
    b.writeUInt32LE(4, 16);
    b.writeUInt32LE(1, 20);
    b.set([1, 2, 3, 4], 24);
    b.writeBigUInt64LE(3n, 28);
    b.set([7, 8, 9], 36);
    const a = parseBpfAnswer(b);
    expect(a.ret).toBe(-1);
    expect(a.errno).toBe(28);
    expect([...a.attr]).toEqual([1, 2, 3, 4]);
    expect(a.bufs.map((x) => [...x])).toEqual([[7, 8, 9]]);
  });
});
