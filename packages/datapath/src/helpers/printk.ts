// bpf_trace_printk(fmt, fmt_size, a1, a2, a3) (6): formats like the kernel's bpf_bprintf_prepare +
// bstr_printf (at most 3 arguments; %d %i %u %x %X %c %s %% with optional l/ll, width and
// 0/-/+/space flags; %p, %px, %pK, %pI4, %pi4, %pI6, %pi6) and appends the line to the log.
// Returns the length of the formatted string, or -EINVAL for a format the kernel refuses.
import { errno } from '@bpfsim/events';
import { Fault } from '../fault.ts';
import type { Machine } from '../machine.ts';
import { resolve } from '../memory/access.ts';
import { KIND_MEM } from '../memory/region.ts';
import { bytesAt, ret, u32arg } from './args.ts';
import type { HelperFn } from './table.ts';

const MAX_ARGS = 3;

function cstring(m: Machine, hi: number, lo: number): string {
  try {
    const r = resolve(m, hi, lo, 1, -1, 'read');
    if (r.kind !== KIND_MEM) return '(efault)';
    let s = '';
    for (let i = m.o; i < r.len && r.u8[i] !== 0 && s.length < 1024; i++) s += String.fromCharCode(r.u8[i]);
    return s;
  } catch (e) {
    if (e instanceof Fault) return '(efault)';
    throw e;
  }
}

function ipBytes(m: Machine, hi: number, lo: number, n: number): Uint8Array | null {
  try { return bytesAt(m, hi, lo, n, -1, false, 'printk'); } catch (e) { if (e instanceof Fault) return null; throw e; }
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s + ' '.repeat(width - s.length);
  if (zero) {
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
  }
  return ' '.repeat(width - s.length) + s;
}

/** The formatted line, or a negative errno. */
export function format(m: Machine, fmt: string, args: readonly [number, number][]): string | number {
  let out = '';
  let n = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt.charCodeAt(i);
    if (ch > 126 || (ch < 32 && !(ch >= 9 && ch <= 13))) return -errno.EINVAL;
    if (fmt[i] !== '%') { out += fmt[i]; continue; }
    if (fmt[i + 1] === '%') { out += '%'; i++; continue; }
    if (n === MAX_ARGS) return -errno.EINVAL;
    i++;
    let left = false, zero = false, plus = false, space = false;
    while ('0+- '.includes(fmt[i] ?? 'x')) {
      if (fmt[i] === '-') left = true; else if (fmt[i] === '0') zero = true; else if (fmt[i] === '+') plus = true; else space = true;
      i++;
    }
    let width = 0;
    while (fmt[i] >= '0' && fmt[i] <= '9') width = width * 10 + Number(fmt[i++]);
    const [lo, hi] = args[n++];
    const u64 = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    if (fmt[i] === 'p') {
      const ext = fmt.slice(i + 1, i + 3);
      if (ext === 'I4' || ext === 'i4') {
        const b = ipBytes(m, hi, lo, 4);
        out += b ? [...b].map((x) => (ext === 'i4' ? String(x).padStart(3, '0') : String(x))).join('.') : '(efault)';
        i += 2; continue;
      }
      if (ext === 'I6' || ext === 'i6') {
        const b = ipBytes(m, hi, lo, 16);
        out += b ? Array.from({ length: 8 }, (_, k) => ((b[2 * k] << 8) | b[2 * k + 1]).toString(16).padStart(ext === 'i6' ? 4 : 1, '0')).join(ext === 'i6' ? '' : ':') : '(efault)';
        i += 2; continue;
      }
      if (fmt[i + 1] === 'x' || fmt[i + 1] === 'K') i++;
      else if (/[a-zA-Z0-9]/.test(fmt[i + 1] ?? '')) return -errno.EINVAL;
      out += pad(u64.toString(16).padStart(16, '0'), width, left, false);
      continue;
    }
    if (fmt[i] === 'c') { out += pad(String.fromCharCode(lo & 0xff), width, left, false); continue; }
    if (fmt[i] === 's') { out += pad(cstring(m, hi, lo), width, left, false); continue; }
    let size = 32;
    if (fmt[i] === 'l') { size = 64; i++; if (fmt[i] === 'l') i++; }
    const conv = fmt[i];
    let s: string;
    switch (conv) {
      case 'd': case 'i': {
        const v = size === 64 ? BigInt.asIntN(64, u64) : BigInt(lo | 0);
        s = (v >= 0n ? (plus ? '+' : space ? ' ' : '') : '') + v.toString();
        break;
      }
      case 'u': s = (size === 64 ? u64 : BigInt(lo >>> 0)).toString(); break;
      case 'x': s = (size === 64 ? u64 : BigInt(lo >>> 0)).toString(16); break;
      case 'X': s = (size === 64 ? u64 : BigInt(lo >>> 0)).toString(16).toUpperCase(); break;
      default: return -errno.EINVAL;
    }
    out += pad(s, width, left, zero && !left);
  }
  return out;
}

export const tracePrintk: HelperFn = (m, l1, h1, l2, h2, l3, h3, l4, h4, l5, h5, pc) => {
  const size = u32arg(l2, h2);
  if (size === 0) return ret(m, -errno.EINVAL);
  const raw = bytesAt(m, h1, l1, size, pc, false, 'bpf_trace_printk fmt');
  const nul = raw.indexOf(0);
  if (nul < 0) return ret(m, -errno.EINVAL);
  const fmt = String.fromCharCode(...raw.subarray(0, nul));
  const r = format(m, fmt, [[l3, h3], [l4, h4], [l5, h5]]);
  if (typeof r === 'number') return ret(m, r);
  m.log.push(m.packet >= 0 ? { prog_id: m.progId, packet: m.packet, msg: r } : { prog_id: m.progId, msg: r });
  return ret(m, r.length);
};
