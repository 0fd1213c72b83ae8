// validateEvent: structural checks only. Values the kernel itself rejects (unknown flag bits,
// bad sizes, bad fds) are not validation errors: they reach the reducer, which answers the errno.
//
// Every event the fuzzer and the Kernel facade fold passes through here, so the checks allocate
// nothing on success: a check returns a message (or an error whose path is relative to the value
// checked), and the path is put together only on the way out of a failure.
import { ATTR_SCHEMAS, MODELLED_MAP_TYPES, isModelledCmd, type ModelledCmd } from './attrs.ts';
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

const RANGES: Record<string, readonly [number, number]> = {
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff], s32: [-0x80000000, 0x7fffffff],
  u64: [0, Number.MAX_SAFE_INTEGER], s64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  s16: [-0x8000, 0x7fff], u4: [0, 15],
};
/** RANGES[type] by a switch over the literal names (a keyed lookup with varying keys took ~5% of validation). */
function rangeOf(type: string): readonly [number, number] {
  switch (type) {
    case 'u32': return RANGES.u32;
    case 's32': return RANGES.s32;
    case 'u8': return RANGES.u8;
    case 'u4': return RANGES.u4;
    case 's16': return RANGES.s16;
    case 'u16': return RANGES.u16;
    case 'u64': return RANGES.u64;
    default: return RANGES[type];
  }
}
/** struct bpf_insn's fields and their types, in the order they are checked. */
const INSN_NAMES: readonly string[] = ['code', 'dst_reg', 'src_reg', 'off', 'imm'];
const INSN_TYPES: readonly string[] = ['u8', 'u4', 'u4', 's16', 's32'];

/** Lowercase hex with an even number of digits (/^(?:[0-9a-f]{2})*$/, without the regex's cost on short strings). */
function isHex(v: string): boolean {
  const n = v.length;
  if (n & 1) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}` : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`);

/** What is wrong with `v` as an integer of `type`, or undefined. */
function intProblem(v: unknown, type: string): string | undefined {
  const range = rangeOf(type);
  if (typeof v === 'number' && Number.isInteger(v) && v >= range[0] && v <= range[1]) return undefined;
  if (v === undefined) return `missing (an integer, ${type})`;
  if (typeof v !== 'number' || !Number.isInteger(v)) return `expected an integer (${type}), got ${describe(v)}`;
  return `${v} does not fit in ${type} (${range[0]}..${range[1]})`;
}

function checkInt(v: unknown, type: string, path: string): ValidationError | undefined {
  const m = intProblem(v, type);
  return m === undefined ? undefined : { path, message: m };
}

/** `e` with `prefix` put in front of its path. */
const under = (prefix: string, e: ValidationError): ValidationError => ({ path: prefix + e.path, message: e.message });

/**
 * Whether `v` is one of an enum's names (up to ~60 of them, looked up on every event): through an
 * index of where each name was, confirmed in the array itself, so it is always exactly includes().
 */
const enumIndex = new WeakMap<readonly string[], Map<string, number>>();
function isName(names: readonly string[], v: string): boolean {
  let index = enumIndex.get(names);
  if (index === undefined) {
    index = new Map();
    for (let i = names.length - 1; i >= 0; i--) index.set(names[i], i);
    enumIndex.set(names, index);
  }
  const i = index.get(v);
  return (i !== undefined && names[i] === v) || names.includes(v);
}

/** Checks a field's value; the error's path is relative to the field ('' for the value itself). */
function checkField(kind: FieldKind, v: unknown): ValidationError | undefined {
  if (typeof kind === 'object') {
    if ('enum' in kind) {
      if (typeof v === 'string') return isName(kind.enum, v) ? undefined : { path: '', message: `unknown name ${JSON.stringify(v)} (expected one of ${kind.enum[0]}, …, or a number)` };
      return checkInt(v, 'u32', '');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { path: '', message: `expected an object, got ${describe(v)}` };
    const e = checkSchema(compiledOf(kind.struct), v as Record<string, unknown>);
    return e === undefined ? undefined : under('.', e);
  }
  switch (kind) {
    case 'str': return typeof v === 'string' ? (v.includes('\0') ? { path: '', message: 'contains a NUL byte' } : undefined) : { path: '', message: `expected a string, got ${describe(v)}` };
    case 'bytes': return typeof v === 'string' && isHex(v) ? undefined : { path: '', message: `expected bytes as lowercase hex with an even number of digits, got ${describe(v)}` };
    case 'outbuf': return typeof v === 'boolean' ? undefined : { path: '', message: `expected a boolean (whether a buffer is passed), got ${describe(v)}` };
    case 'insns': return checkInsns(v);
    default: return checkInt(v, kind, '');
  }
}

function checkInsns(v: unknown): ValidationError | undefined {
  if (!Array.isArray(v)) return { path: '', message: `expected an array of instructions, got ${describe(v)}` };
  for (let i = 0; i < v.length; i++) {
    const insn = v[i];
    if (typeof insn !== 'object' || insn === null || Array.isArray(insn)) return { path: `[${i}]`, message: `expected an instruction {code, dst_reg, src_reg, off, imm}, got ${describe(insn)}` };
    for (let j = 0; j < INSN_NAMES.length; j++) {
      const m = intProblem((insn as Record<string, unknown>)[INSN_NAMES[j]], INSN_TYPES[j]);
      if (m !== undefined) return { path: `[${i}].${INSN_NAMES[j]}`, message: m };
    }
    // for-in sees a superset of the own keys: only when it meets a stranger are the own keys looked at.
    let stranger = false;
    for (const k in insn) if (k !== 'code' && k !== 'dst_reg' && k !== 'src_reg' && k !== 'off' && k !== 'imm') { stranger = true; break; }
    if (stranger) for (const k of Object.keys(insn)) if (!INSN_NAMES.includes(k)) return { path: `[${i}].${k}`, message: 'not a field of struct bpf_insn' };
  }
  return undefined;
}

/**
 * A schema compiled for the common case, a valid attr: each field's test that accepts a valid
 * value without building anything (checkField, which says what is wrong, runs only when it fails),
 * and the required fields in the schema's order.
 */
interface CompiledSchema {
  readonly schema: Schema;
  readonly fields: Map<string, CompiledField>;
  readonly required: readonly string[];
  /** True only for an attr checkSchema finds nothing wrong with (false: let checkSchema say). */
  readonly accept: (obj: Record<string, unknown>) => boolean;
}
const enum Fast { Int, Enum, Str, Bytes, Outbuf, None }
interface CompiledField {
  readonly field: Field;
  readonly fast: Fast;
  /** Fast.Int: the range. */
  readonly lo: number;
  readonly hi: number;
  /** Fast.Enum: the names, and where each one was (as isName, confirmed in the array). */
  readonly names: readonly string[];
  readonly index: Map<string, number> | undefined;
}

function compileField(field: Field): CompiledField {
  const kind = field.kind;
  let fast = Fast.None, lo = 0, hi = 0, names: readonly string[] = [], index: Map<string, number> | undefined;
  if (typeof kind === 'object') {
    if ('enum' in kind) {
      fast = Fast.Enum;
      names = kind.enum;
      index = new Map();
      for (let i = names.length - 1; i >= 0; i--) index.set(names[i], i);
    }
  } else if (kind === 'str') fast = Fast.Str;
  else if (kind === 'bytes') fast = Fast.Bytes;
  else if (kind === 'outbuf') fast = Fast.Outbuf;
  else if (kind !== 'insns') { const r = rangeOf(kind); if (r !== undefined) { fast = Fast.Int; lo = r[0]; hi = r[1]; } }
  return { field, fast, lo, hi, names, index };
}

/** Whether checkField(c.field.kind, v) finds nothing wrong, for the kinds compiled (false: ask checkField). */
function fieldOk(c: CompiledField, v: unknown): boolean {
  switch (c.fast) {
    case Fast.Int: return typeof v === 'number' && Number.isInteger(v) && v >= c.lo && v <= c.hi;
    case Fast.Enum: {
      if (typeof v !== 'string') return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
      const i = c.index!.get(v);
      return (i !== undefined && c.names[i] === v) || c.names.includes(v);
    }
    case Fast.Str: return typeof v === 'string' && !v.includes('\0');
    case Fast.Bytes: return typeof v === 'string' && isHex(v);
    case Fast.Outbuf: return typeof v === 'boolean';
    default: return false;
  }
}

function compileSchema(schema: Schema): CompiledSchema {
  const fields = new Map<string, CompiledField>();
  for (const k of Object.keys(schema)) fields.set(k, compileField(schema[k]));
  const required = Object.keys(schema).filter((k) => schema[k].required);
  return { schema, fields, required, accept: acceptorOf(fields, required) };
}

/**
 * A function that accepts what checkSchema accepts, for the common case, without its lookups:
 * the schema's keys as a switch, each field's test inline, the required fields and the unions
 * checked by name. It never accepts anything checkSchema refuses (any doubt answers false, and
 * checkSchema then runs): an own or inherited key outside the schema, a field of no fast kind
 * (instructions, structs), a value its fast test does not pass.
 */
function acceptorOf(fields: Map<string, CompiledField>, required: readonly string[]): (obj: Record<string, unknown>) => boolean {
  const keys = [...fields.keys()];
  const q = (k: string) => JSON.stringify(k);
  const lines = [`for (const k in o) { switch (k) { ${keys.map((k) => `case ${q(k)}:`).join(' ')} break; default: return false; } }`];
  const unions = new Map<string, string[]>();
  keys.forEach((k, i) => {
    const c = fields.get(k)!, v = `v${i}`;
    let test: string;
    switch (c.fast) {
      case Fast.Int: test = `typeof ${v} === 'number' && Number.isInteger(${v}) && ${v} >= ${String(c.lo)} && ${v} <= ${String(c.hi)}`; break;
      case Fast.Str: test = `typeof ${v} === 'string' && !${v}.includes('\\0')`; break;
      case Fast.Bytes: test = `typeof ${v} === 'string' && isHex(${v})`; break;
      case Fast.Outbuf: test = `typeof ${v} === 'boolean'`; break;
      case Fast.Enum: test = `fieldOk(C[${i}], ${v})`; break;
      default: test = 'false';
    }
    lines.push(`const ${v} = o[${q(k)}]; if (${v} !== undefined && !(${test})) return false;`);
    if (c.field.union) unions.set(c.field.union, [...(unions.get(c.field.union) ?? []), v]);
  });
  for (const k of required) lines.push(`if (o[${q(k)}] === undefined) return false;`);
  for (const vs of unions.values()) if (vs.length > 1) lines.push(`if (${vs.map((v) => `(${v} !== undefined ? 1 : 0)`).join(' + ')} > 1) return false;`);
  lines.push('return true;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('C', 'fieldOk', 'isHex', `return function accept(o) { ${lines.join('\n')} };`)(keys.map((k) => fields.get(k)), fieldOk, isHex) as (obj: Record<string, unknown>) => boolean;
}

/** Compiled nested schemas (struct fields). */
const compiledSchemas = new WeakMap<Schema, CompiledSchema>();
function compiledOf(schema: Schema): CompiledSchema {
  let c = compiledSchemas.get(schema);
  if (c === undefined) compiledSchemas.set(schema, c = compileSchema(schema));
  return c;
}

/**
 * Each modelled command's compiled attr schema (ATTR_SCHEMAS' own keys), found by its length and
 * one letter, then compared whole: a decoded cmd is a fresh string (a slice of another, as
 * msgpackr makes it), which a keyed property lookup would internalize and a Map would hash.
 */
interface CmdEntry { readonly cmd: string; readonly schema: CompiledSchema }
const CMD_SLOTS = 1 << 10;
const cmdSlot = (cmd: string) => ((cmd.length << 5) ^ cmd.charCodeAt(cmd.length >> 1)) & (CMD_SLOTS - 1);
const ATTR_COMPILED: CmdEntry[][] = Array.from({ length: CMD_SLOTS }, () => []);
for (const cmd of Object.keys(ATTR_SCHEMAS)) ATTR_COMPILED[cmdSlot(cmd)].push({ cmd, schema: compiledOf(ATTR_SCHEMAS[cmd as ModelledCmd]) });

function attrSchemaOf(cmd: string): CompiledSchema | undefined {
  if (cmd.length === 0) return undefined;
  const slot = ATTR_COMPILED[cmdSlot(cmd)];
  for (let i = 0; i < slot.length; i++) if (slot[i].cmd === cmd) return slot[i].schema;
  return undefined;
}

/** Checks an object against a schema; the error's path is relative to the object (`key`, `key.member`, `key[i].code`). */
function checkSchema(cs: CompiledSchema, obj: Record<string, unknown>): ValidationError | undefined {
  // the unions given so far and the key that gave each: two in variables (an attach names a target
  // and a relative: no Map made for every such event), any more in a Map
  let u0: string | undefined, k0 = '', u1: string | undefined, k1 = '';
  let unions: Map<string, string> | undefined;
  // for-in rather than Object.keys (no array); the same keys in the same order once inherited ones are skipped.
  for (const key in obj) {
    if (!hasOwn(obj, key)) continue;
    // (by the compiled Map only: schema[key] would find Object.prototype's members, e.g. "constructor")
    const c = cs.fields.get(key);
    const field: Field | undefined = c?.field;
    if (!field) return { path: key, message: `not a field this command reads (fields: ${Object.keys(cs.schema).join(', ')})` };
    const v = obj[key];
    if (v === undefined) continue;
    const u = field.union;
    if (u) {
      const other = u === u0 ? k0 : u === u1 ? k1 : unions?.get(u);
      if (other) return { path: key, message: `${other} and ${key} share one union member; give one` };
      if (u0 === undefined) { u0 = u; k0 = key; } else if (u1 === undefined) { u1 = u; k1 = key; } else (unions ??= new Map()).set(u, key);
    }
    if (c !== undefined && fieldOk(c, v)) continue;
    const e = checkField(field.kind, v);
    if (e) return under(key, e);
  }
  const req = cs.required;
  for (let i = 0; i < req.length; i++) if (obj[req[i]] === undefined) return { path: req[i], message: 'missing' };
  return undefined;
}

/** A field-relative error (checkField's) at field `path`. */
const atPath = (path: string, e: ValidationError | undefined): ValidationError | undefined => (e === undefined ? undefined : under(path, e));

const PID = (v: unknown, path: string) => checkInt(v, 'u32', path) ?? (v === 0 ? { path, message: 'pid 0 is not a process' } : undefined);
const SIMPLE: Record<string, Record<string, (v: unknown, path: string) => ValidationError | undefined>> = {
  close: { pid: PID, fd: (v, p) => checkInt(v, 's32', p) },
  dup: { pid: PID, fd: (v, p) => checkInt(v, 's32', p) },
  fork: { pid: PID, child: PID },
  exit: { pid: PID },
  unlink: { pid: PID, pathname: checkBpffsPath, dir: (v, p) => (v === undefined ? undefined : atPath(p, checkField('outbuf', v))) },
  mkdir: { pid: PID, pathname: checkBpffsPath },
  netdev_add: { name: checkIfname, peer: (v, p) => (v === undefined ? undefined : checkIfname(v, p)) },
  netdev_del: { name: checkIfname },
  tick: { ns: (v, p) => checkInt(v, 'u64', p) },
  packets: { packets: checkPackets },
};
/** Every event kind: bpf, then the simple ones. */
export const EVENT_KINDS: readonly string[] = Object.freeze(['bpf', ...Object.keys(SIMPLE)]);
/** Each simple event's fields, in the order they are checked. */
const SIMPLE_FIELDS: Record<string, readonly (readonly [string, (v: unknown, path: string) => ValidationError | undefined])[]> =
  Object.fromEntries(Object.entries(SIMPLE).map(([kind, spec]) => [kind, Object.entries(spec)]));


const SKB_FIELDS: Record<string, string> = { mark: 'u32', priority: 'u32', tc_index: 'u16', queue_mapping: 'u16', hash: 'u32' };

function checkPackets(v: unknown, path: string): ValidationError | undefined {
  if (!Array.isArray(v)) return { path, message: `expected an array of packets, got ${describe(v)}` };
  for (let i = 0; i < v.length; i++) {
    const p = v[i] as Record<string, unknown>, at = `${path}[${i}]`;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) return { path: at, message: `expected a packet {ifindex, direction, data}, got ${describe(p)}` };
    for (const k of Object.keys(p)) if (!['ifindex', 'direction', 'data', 'skb'].includes(k)) return { path: `${at}.${k}`, message: 'not a field of a packet (ifindex, direction, data, skb)' };
    const e = checkInt(p.ifindex, 'u32', `${at}.ifindex`) ?? atPath(`${at}.data`, checkField('bytes', p.data));
    if (e) return e;
    if (p.direction !== 'ingress' && p.direction !== 'egress') return { path: `${at}.direction`, message: `expected "ingress" or "egress", got ${describe(p.direction)}` };
    if (p.skb === undefined) continue;
    if (typeof p.skb !== 'object' || p.skb === null || Array.isArray(p.skb)) return { path: `${at}.skb`, message: `expected an object, got ${describe(p.skb)}` };
    for (const [k, x] of Object.entries(p.skb as Record<string, unknown>)) {
      if (k === 'cb') {
        if (!Array.isArray(x) || x.length !== 5) return { path: `${at}.skb.cb`, message: 'expected 5 u32 values' };
        for (let j = 0; j < 5; j++) { const ce = checkInt(x[j], 'u32', `${at}.skb.cb[${j}]`); if (ce) return ce; }
      } else if (hasOwn(SKB_FIELDS, k)) { const fe = checkInt(x, SKB_FIELDS[k], `${at}.skb.${k}`); if (fe) return fe; }
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
  const e = atPath(path, checkField('str', v));
  if (e) return e;
  return /^\/sys\/fs\/bpf(\/|$)/.test(v as string) ? undefined : { path, message: `${JSON.stringify(v)} is not under /sys/fs/bpf (only bpffs is modelled)` };
}

function checkIfname(v: unknown, path: string): ValidationError | undefined {
  if (typeof v !== 'string') return { path, message: `expected an interface name, got ${describe(v)}` };
  // IFNAMSIZ is 16 with the NUL; dev_valid_name() refuses '/', ':', whitespace, '.' and '..'.
  if (v.length === 0 || v.length > 15 || /[\s/:]/.test(v) || v === '.' || v === '..') return { path, message: `${JSON.stringify(v)} is not a valid interface name (1-15 characters, no '/', ':' or space)` };
  return undefined;
}

const err = (path: string, message: string): ValidationError => ({ path, message });

/** What is wrong with `e` as an event, or undefined when it is well-formed. */
/** What is wrong with `e` as an event, or undefined when it is well-formed (validateEvent, allocating nothing on success). */
export function eventProblem(e: unknown): ValidationError | undefined {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return err('', `expected an event object, got ${describe(e)}`);
  const o = e as Record<string, unknown>;
  if (typeof o.kind !== 'string') return err('kind', `expected a string, got ${describe(o.kind)}`);
  if (o.kind === 'bpf') {
    for (const k in o) if (k !== 'kind' && k !== 'pid' && k !== 'cmd' && k !== 'attr' && hasOwn(o, k)) return err(k, 'not a field of a bpf event (kind, pid, cmd, attr)');
    const pe = PID(o.pid, 'pid');
    if (pe) return pe;
    if (typeof o.cmd !== 'string') return err('cmd', `expected a bpf_cmd name, got ${describe(o.cmd)}`);
    let cs = attrSchemaOf(o.cmd);
    if (cs === undefined) {
      if (!isModelledCmd(o.cmd)) {
        return (BPF_CMD_NAMES as readonly string[]).includes(o.cmd)
          ? err('cmd', `${o.cmd} is a bpf_cmd that bpfsim does not model yet`)
          : err('cmd', `unknown bpf_cmd ${JSON.stringify(o.cmd)}`);
      }
      cs = compiledOf(ATTR_SCHEMAS[o.cmd]);
    }
    const attr = o.attr ?? {};
    if (typeof attr !== 'object' || attr === null || Array.isArray(attr)) return err('attr', `expected an object, got ${describe(attr)}`);
    if (!cs.accept(attr as Record<string, unknown>)) {
      const se = checkSchema(cs, attr as Record<string, unknown>);
      if (se !== undefined) return under('attr.', se);
    }
    return o.cmd === 'BPF_MAP_CREATE' ? checkModelledMapType((attr as { map_type: unknown }).map_type) : undefined;
  }
  // (own keys only: an event kind or field named like a member of Object.prototype is unknown)
  const spec = hasOwn(SIMPLE, o.kind) ? SIMPLE[o.kind] : undefined;
  if (!spec) return err('kind', `unknown event kind ${JSON.stringify(o.kind)} (expected bpf, ${Object.keys(SIMPLE).join(', ')})`);
  for (const k in o) if (k !== 'kind' && !hasOwn(spec, k) && hasOwn(o, k)) return err(k, `not a field of a ${o.kind} event (${Object.keys(spec).join(', ')})`);
  const fields = SIMPLE_FIELDS[o.kind];
  for (let i = 0; i < fields.length; i++) {
    const fe = fields[i][1](o[fields[i][0]], fields[i][0]);
    if (fe) return fe;
  }
  return undefined;
}

/** A well-formed event as the fold takes it: a bpf event without attr gets an empty one. */
const normalized = (o: Record<string, unknown>): Event => (o.kind === 'bpf' && o.attr === undefined ? { ...o, attr: {} } : o) as unknown as Event;

/** Checks that `e` is a well-formed event; on failure names the field path and what is wrong. */
export function validateEvent(e: unknown): Validated {
  const error = eventProblem(e);
  return error ? { ok: false, error } : { ok: true, event: normalized(e as Record<string, unknown>) };
}

/** validateEvent, throwing an EventError that names the event index. */
export function assertEvent(e: unknown, index?: number): Event {
  const error = eventProblem(e);
  if (error) throw new EventError(index, error);
  return normalized(e as Record<string, unknown>);
}
