// The byte protocol spoken with native/helper.c (see the comment at its top). Native byte order
// is little-endian on every machine the oracle runs on.
import type { EncodedCall } from '../attr/buffers.ts';

export const OP = { BPF: 1, CLOSE: 2, DUP: 3, FORK: 4, EXIT: 5, MKDIR: 6, UNLINK: 7, PING: 8 } as const;
export type Op = (typeof OP)[keyof typeof OP];
const BUF_CSTR = 1;
const SPEC_SIZE = 32;

/** Every answer starts with the syscall's return value and errno. */
export interface Answer { readonly ret: number; readonly errno: number; readonly rest: Buffer }

export function frame(op: Op, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt32LE(4 + payload.length, 0);
  b.writeUInt32LE(op, 4);
  b.set(payload, 8);
  return b;
}

export function parseAnswer(payload: Buffer): Answer {
  return { ret: Number(payload.readBigInt64LE(0)), errno: payload.readInt32LE(8), rest: payload.subarray(16) };
}

export function i32Payload(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

export function pathPayload(flag: number, path: string): Buffer {
  const p = Buffer.from(path + '\0');
  const b = Buffer.alloc(4 + p.length);
  b.writeUInt32LE(flag, 0);
  p.copy(b, 4);
  return b;
}

export function forkPayload(cmdFifo: string, answerFifo: string): Buffer {
  return Buffer.from(`${cmdFifo}\0${answerFifo}\0`);
}

export function bpfPayload(call: EncodedCall): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(call.cmd, 0);
  head.writeUInt32LE(call.attr.length, 4);
  head.writeUInt32LE(call.bufs.length, 8);
  const specs = Buffer.alloc(SPEC_SIZE * call.bufs.length);
  call.bufs.forEach((s, i) => {
    const o = i * SPEC_SIZE;
    specs.writeUInt32LE(s.ptrOff, o);
    specs.writeUInt32LE(s.cstr ? BUF_CSTR : 0, o + 4);
    specs.writeBigUInt64LE(BigInt(s.input.length), o + 8);
    specs.writeBigUInt64LE(BigInt(s.cap), o + 16);
    specs.writeBigUInt64LE(BigInt(s.retLen), o + 24);
  });
  return Buffer.concat([head, call.attr, specs, ...call.bufs.map((s) => s.input)]);
}

export interface BpfAnswer { readonly ret: number; readonly errno: number; readonly attr: Uint8Array; readonly bufs: readonly Uint8Array[] }

export function parseBpfAnswer(payload: Buffer): BpfAnswer {
  const a = parseAnswer(payload);
  const r = a.rest;
  const attrSize = r.readUInt32LE(0);
  const nbufs = r.readUInt32LE(4);
  let o = 8;
  const attr = new Uint8Array(r.subarray(o, o + attrSize));
  o += attrSize;
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < nbufs; i++) {
    const n = Number(r.readBigUInt64LE(o));
    o += 8;
    bufs.push(new Uint8Array(r.subarray(o, o + n)));
    o += n;
  }
  return { ret: a.ret, errno: a.errno, attr, bufs };
}
