// Event attr (named fields, hex bytes, insns) -> union bpf_attr bytes plus the buffers it points at.
import { ATTR_SCHEMAS, bpf_cmd, fromHex, type Field, type Insn, type ModelledCmd, type Schema } from '@bpfsim/events';
import { FieldError } from '../errors.ts';
import { ATTR_LAYOUT, ATTR_SIZE, IMPLIED_LENGTHS, type Slot } from './layout.ts';
import { bytesAreWritten, implicitLookupValue, outbufCapacity, readbackLength, type BufSpec, type EncodeContext, type EncodedCall } from './buffers.ts';
import { cString, encodeName16 } from './strings.ts';
import { writeScalar } from './struct.ts';

type Attr = Readonly<Record<string, unknown>>;
const MAX_CAP = 0xffffffff;

export function encodeInsns(insns: readonly Insn[]): Uint8Array {
  const b = new Uint8Array(insns.length * 8);
  insns.forEach((x, i) => {
    b[i * 8] = x.code;
    b[i * 8 + 1] = (x.dst_reg & 0xf) | ((x.src_reg & 0xf) << 4);
    writeScalar(b, i * 8 + 2, 'u16', x.off & 0xffff);
    writeScalar(b, i * 8 + 4, 's32', x.imm);
  });
  return b;
}

function enumValue(kind: { enum: readonly string[] }, v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  const i = kind.enum.indexOf(String(v));
  if (i < 0) throw new FieldError(path, `unknown name ${JSON.stringify(v)}`);
  return i;
}

function slotFor(cmd: ModelledCmd, path: string): Slot {
  const slot = ATTR_LAYOUT[cmd][path];
  if (!slot) throw new FieldError(`attr.${path}`, `the oracle has no offset for this field of ${cmd}`);
  return slot;
}

/**
 * Encodes `attr` for `cmd`. Lengths implied by data (insn_cnt when absent, data_size_in,
 * ctx_size_in) are filled in; everything not given stays 0, as in a zeroed union bpf_attr.
 */
export function encodeAttr(cmd: ModelledCmd, attr: Attr, ctx: EncodeContext): EncodedCall {
  const bytes = new Uint8Array(ATTR_SIZE);
  const bufs: BufSpec[] = [];
  const input = (path: string, slot: Slot, data: Uint8Array) =>
    bufs.push({ field: path, ptrOff: slot.off, input: data, cap: data.length, output: false, retLen: 0, cstr: false });
  const output = (path: string, slot: Slot, data: Uint8Array, cap: number, cstr = false) => {
    if (cap > MAX_CAP) throw new FieldError(`attr.${path}`, `a ${cap}-byte buffer is more than the oracle passes`);
    bufs.push({ field: path, ptrOff: slot.off, input: data, cap, output: true, retLen: readbackLength(path, cap), cstr });
  };

  const walk = (schema: Schema, obj: Attr, prefix: string) => {
    for (const [name, value] of Object.entries(obj)) {
      if (value === undefined) continue;
      const path = prefix + name;
      const field: Field | undefined = schema[name];
      if (!field) throw new FieldError(`attr.${path}`, `not a field ${cmd} reads`);
      const kind = field.kind;
      if (typeof kind === 'object' && 'struct' in kind) {
        walk(kind.struct, value as Attr, `${path}.`);
        continue;
      }
      const slot = slotFor(cmd, path);
      if (typeof kind === 'object') { writeScalar(bytes, slot.off, 'u32', enumValue(kind, value, `attr.${path}`)); continue; }
      switch (kind) {
        case 'str':
          if (slot.type === 'name16') bytes.set(encodeName16(value as string), slot.off);
          else input(path, slot, cString(value as string));
          break;
        case 'bytes': {
          const data = fromHex(value as string);
          if (bytesAreWritten(cmd, path, attr, ctx)) output(path, slot, data, data.length);
          else input(path, slot, data);
          const implied = IMPLIED_LENGTHS[`${cmd}.${path}`];
          if (implied) writeScalar(bytes, slotFor(cmd, implied.field).off, 'u32', data.length / implied.unit);
          break;
        }
        case 'insns': {
          const data = encodeInsns(value as readonly Insn[]);
          input(path, slot, data);
          if (obj.insn_cnt === undefined) writeScalar(bytes, slotFor(cmd, 'insn_cnt').off, 'u32', (value as readonly Insn[]).length);
          break;
        }
        case 'outbuf':
          if (value === true) output(path, slot, new Uint8Array(0), outbufCapacity(cmd, path, attr, ctx), path === 'log_buf');
          break;
        default:
          writeScalar(bytes, slot.off, kind, value as number);
      }
    }
  };
  walk(ATTR_SCHEMAS[cmd], attr, '');
  const implicit = implicitLookupValue(cmd, attr, ctx);
  if (implicit !== undefined) output('value', slotFor(cmd, 'value'), new Uint8Array(0), implicit);
  return { cmd: bpf_cmd[cmd], attr: bytes, bufs };
}
