// validateEvent: structural checks only. Values the kernel itself rejects (unknown flag bits,
// bad sizes, bad fds) are not validation errors: they reach the reducer, which answers the errno.
import { ATTR_SCHEMAS, MODELLED_MAP_TYPES, isModelledCmd } from './attrs.ts';
import { BPF_CMD_NAMES, BPF_MAP_TYPE_NAMES } from './uapi.ts';
import type { Event } from './event.ts';
import type { Field, FieldKind, Schema } from './schema.ts';

export interface ValidationError { readonly path: string; readonly message: string }
export type Validated = { readonly ok: true; readonly event: Event } | { readonly ok: false; readonly error: ValidationError };

export class EventError extends Error {
  constructor(readonly index: number | undefined, readonly error: ValidationError) {
    super(`${index === undefined ? '' : `event ${index}: `}${error.path ? `${error.path}: ` : ''}${error.message}`);
  }
}

const RANGES: Record<string, [number, number]> = {
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff], s32: [-0x80000000, 0x7fffffff],
  u64: [0, Number.MAX_SAFE_INTEGER], s64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  s16: [-0x8000, 0x7fff], u4: [0, 15],
};
const INSN_FIELDS: [string, string][] = [['code', 'u8'], ['dst_reg', 'u4'], ['src_reg', 'u4'], ['off', 's16'], ['imm', 's32']];
const HEX = /^(?:[0-9a-f]{2})*$/;

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}` : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`);

function checkInt(v: unknown, type: string, path: string): ValidationError | undefined {
  const [lo, hi] = RANGES[type];
  if (v === undefined) return { path, message: `missing (an integer, ${type})` };
  if (typeof v !== 'number' || !Number.isInteger(v)) return { path, message: `expected an integer (${type}), got ${describe(v)}` };
  if (v < lo || v > hi) return { path, message: `${v} does not fit in ${type} (${lo}..${hi})` };
  return undefined;
}

function checkField(kind: FieldKind, v: unknown, path: string): ValidationError | undefined {
  if (typeof kind === 'object') {
    if ('enum' in kind) {
      if (typeof v === 'string') return kind.enum.includes(v) ? undefined : { path, message: `unknown name ${JSON.stringify(v)} (expected one of ${kind.enum[0]}, …, or a number)` };
      return checkInt(v, 'u32', path);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { path, message: `expected an object, got ${describe(v)}` };
    return checkSchema(kind.struct, v as Record<string, unknown>, path);
  }
  switch (kind) {
    case 'str': return typeof v === 'string' ? (v.includes('\0') ? { path, message: 'contains a NUL byte' } : undefined) : { path, message: `expected a string, got ${describe(v)}` };
    case 'bytes': return typeof v === 'string' && HEX.test(v) ? undefined : { path, message: `expected bytes as lowercase hex with an even number of digits, got ${describe(v)}` };
    case 'outbuf': return typeof v === 'boolean' ? undefined : { path, message: `expected a boolean (whether a buffer is passed), got ${describe(v)}` };
    case 'insns': {
      if (!Array.isArray(v)) return { path, message: `expected an array of instructions, got ${describe(v)}` };
      for (let i = 0; i < v.length; i++) {
        const insn = v[i];
        if (typeof insn !== 'object' || insn === null || Array.isArray(insn)) return { path: `${path}[${i}]`, message: `expected an instruction {code, dst_reg, src_reg, off, imm}, got ${describe(insn)}` };
        for (const [name, type] of INSN_FIELDS) {
          const e = checkInt((insn as Record<string, unknown>)[name], type, `${path}[${i}].${name}`);
          if (e) return e;
        }
        for (const k of Object.keys(insn)) if (!INSN_FIELDS.some(([n]) => n === k)) return { path: `${path}[${i}].${k}`, message: 'not a field of struct bpf_insn' };
      }
      return undefined;
    }
    default: return checkInt(v, kind, path);
  }
}

function checkSchema(schema: Schema, obj: Record<string, unknown>, path: string): ValidationError | undefined {
  const unions = new Map<string, string>();
  for (const key of Object.keys(obj)) {
    const field: Field | undefined = schema[key];
    const p = path ? `${path}.${key}` : key;
    if (!field) return { path: p, message: `not a field this command reads (fields: ${Object.keys(schema).join(', ')})` };
    if (obj[key] === undefined) continue;
    if (field.union) {
      const other = unions.get(field.union);
      if (other) return { path: p, message: `${other} and ${key} share one union member; give one` };
      unions.set(field.union, key);
    }
    const e = checkField(field.kind, obj[key], p);
    if (e) return e;
  }
  for (const [key, field] of Object.entries(schema)) {
    if (field.required && obj[key] === undefined) return { path: path ? `${path}.${key}` : key, message: 'missing' };
  }
  return undefined;
}

const PID = (v: unknown, path: string) => checkInt(v, 'u32', path) ?? (v === 0 ? { path, message: 'pid 0 is not a process' } : undefined);
const SIMPLE: Record<string, Record<string, (v: unknown, path: string) => ValidationError | undefined>> = {
  close: { pid: PID, fd: (v, p) => checkInt(v, 's32', p) },
  dup: { pid: PID, fd: (v, p) => checkInt(v, 's32', p) },
  fork: { pid: PID, child: PID },
  exit: { pid: PID },
  unlink: { pid: PID, pathname: checkBpffsPath, dir: (v, p) => (v === undefined ? undefined : checkField('outbuf', v, p)) },
  mkdir: { pid: PID, pathname: checkBpffsPath },
  netdev_add: { name: checkIfname, peer: (v, p) => (v === undefined ? undefined : checkIfname(v, p)) },
  netdev_del: { name: checkIfname },
  tick: { ns: (v, p) => checkInt(v, 'u64', p) },
  packets: { packets: checkPackets },
};

const SKB_FIELDS: Record<string, string> = { mark: 'u32', priority: 'u32', tc_index: 'u16', queue_mapping: 'u16', hash: 'u32' };

function checkPackets(v: unknown, path: string): ValidationError | undefined {
  if (!Array.isArray(v)) return { path, message: `expected an array of packets, got ${describe(v)}` };
  for (let i = 0; i < v.length; i++) {
    const p = v[i] as Record<string, unknown>, at = `${path}[${i}]`;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) return { path: at, message: `expected a packet {ifindex, direction, data}, got ${describe(p)}` };
    for (const k of Object.keys(p)) if (!['ifindex', 'direction', 'data', 'skb'].includes(k)) return { path: `${at}.${k}`, message: 'not a field of a packet (ifindex, direction, data, skb)' };
    const e = checkInt(p.ifindex, 'u32', `${at}.ifindex`) ?? checkField('bytes', p.data, `${at}.data`);
    if (e) return e;
    if (p.direction !== 'ingress' && p.direction !== 'egress') return { path: `${at}.direction`, message: `expected "ingress" or "egress", got ${describe(p.direction)}` };
    if (p.skb === undefined) continue;
    if (typeof p.skb !== 'object' || p.skb === null || Array.isArray(p.skb)) return { path: `${at}.skb`, message: `expected an object, got ${describe(p.skb)}` };
    for (const [k, x] of Object.entries(p.skb as Record<string, unknown>)) {
      if (k === 'cb') {
        if (!Array.isArray(x) || x.length !== 5) return { path: `${at}.skb.cb`, message: 'expected 5 u32 values' };
        for (let j = 0; j < 5; j++) { const ce = checkInt(x[j], 'u32', `${at}.skb.cb[${j}]`); if (ce) return ce; }
      } else if (SKB_FIELDS[k]) { const fe = checkInt(x, SKB_FIELDS[k], `${at}.skb.${k}`); if (fe) return fe; }
      else return { path: `${at}.skb.${k}`, message: `not a settable __sk_buff field (${[...Object.keys(SKB_FIELDS), 'cb'].join(', ')})` };
    }
  }
  return undefined;
}

/** A map type the kernel has but bpfsim does not model cannot be answered faithfully: say so. */
function checkModelledMapType(t: unknown): ValidationError | undefined {
  const name = typeof t === 'number' ? BPF_MAP_TYPE_NAMES[t] : (t as string);
  if (name === undefined || name === 'BPF_MAP_TYPE_UNSPEC' || MODELLED_MAP_TYPES.includes(name)) return undefined;
  return { path: 'attr.map_type', message: `${name} is a map type bpfsim does not model yet (modelled: ${MODELLED_MAP_TYPES.join(', ')})` };
}

/** mkdir and unlink events model bpffs only: other filesystems are not part of the model. */
function checkBpffsPath(v: unknown, path: string): ValidationError | undefined {
  const e = checkField('str', v, path);
  if (e) return e;
  return /^\/sys\/fs\/bpf(\/|$)/.test(v as string) ? undefined : { path, message: `${JSON.stringify(v)} is not under /sys/fs/bpf (only bpffs is modelled)` };
}

function checkIfname(v: unknown, path: string): ValidationError | undefined {
  if (typeof v !== 'string') return { path, message: `expected an interface name, got ${describe(v)}` };
  // IFNAMSIZ is 16 with the NUL; dev_valid_name() refuses '/', ':', whitespace, '.' and '..'.
  if (v.length === 0 || v.length > 15 || /[\s/:]/.test(v) || v === '.' || v === '..') return { path, message: `${JSON.stringify(v)} is not a valid interface name (1-15 characters, no '/', ':' or space)` };
  return undefined;
}

/** Checks that `e` is a well-formed event; on failure names the field path and what is wrong. */
export function validateEvent(e: unknown): Validated {
  const fail = (path: string, message: string): Validated => ({ ok: false, error: { path, message } });
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return fail('', `expected an event object, got ${describe(e)}`);
  const o = e as Record<string, unknown>;
  if (typeof o.kind !== 'string') return fail('kind', `expected a string, got ${describe(o.kind)}`);
  if (o.kind === 'bpf') {
    for (const k of Object.keys(o)) if (!['kind', 'pid', 'cmd', 'attr'].includes(k)) return fail(k, 'not a field of a bpf event (kind, pid, cmd, attr)');
    const pe = PID(o.pid, 'pid');
    if (pe) return { ok: false, error: pe };
    if (typeof o.cmd !== 'string') return fail('cmd', `expected a bpf_cmd name, got ${describe(o.cmd)}`);
    if (!isModelledCmd(o.cmd)) {
      return (BPF_CMD_NAMES as readonly string[]).includes(o.cmd)
        ? fail('cmd', `${o.cmd} is a bpf_cmd that bpfsim does not model yet`)
        : fail('cmd', `unknown bpf_cmd ${JSON.stringify(o.cmd)}`);
    }
    const attr = o.attr ?? {};
    if (typeof attr !== 'object' || attr === null || Array.isArray(attr)) return fail('attr', `expected an object, got ${describe(attr)}`);
    const err = checkSchema(ATTR_SCHEMAS[o.cmd], attr as Record<string, unknown>, 'attr') ?? (o.cmd === 'BPF_MAP_CREATE' ? checkModelledMapType((attr as { map_type: unknown }).map_type) : undefined);
    return err ? { ok: false, error: err } : { ok: true, event: (o.attr === undefined ? { ...o, attr: {} } : o) as Event };
  }
  const spec = SIMPLE[o.kind];
  if (!spec) return fail('kind', `unknown event kind ${JSON.stringify(o.kind)} (expected bpf, ${Object.keys(SIMPLE).join(', ')})`);
  for (const k of Object.keys(o)) if (k !== 'kind' && !spec[k]) return fail(k, `not a field of a ${o.kind} event (${Object.keys(spec).join(', ')})`);
  for (const [k, check] of Object.entries(spec)) {
    const err = check(o[k], k);
    if (err) return { ok: false, error: err };
  }
  return { ok: true, event: o as unknown as Event };
}

/** validateEvent, throwing an EventError that names the event index. */
export function assertEvent(e: unknown, index?: number): Event {
  const v = validateEvent(e);
  if (!v.ok) throw new EventError(index, v.error);
  return v.event;
}
