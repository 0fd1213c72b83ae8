// The few pieces of the WebAssembly binary format compile/wasm.ts needs: LEB128 numbers, opcodes,
// and a module of functions over an imported memory (WebAssembly core spec, chapter 5).

export const Op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, return: 0x0f, call: 0x10,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_store: 0x36, i32_const: 0x41, i64_const: 0x42,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_gt_s: 0x4a, i32_gt_u: 0x4b,
  i32_le_s: 0x4c, i32_le_u: 0x4d, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  i64_eqz: 0x50, i64_eq: 0x51, i64_ne: 0x52, i64_lt_s: 0x53, i64_lt_u: 0x54, i64_gt_s: 0x55, i64_gt_u: 0x56,
  i64_le_s: 0x57, i64_le_u: 0x58, i64_ge_s: 0x59, i64_ge_u: 0x5a,
  i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_div_s: 0x6d, i32_div_u: 0x6e, i32_rem_s: 0x6f, i32_rem_u: 0x70,
  i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73, i32_shl: 0x74, i32_shr_s: 0x75, i32_shr_u: 0x76,
  i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e, i64_div_s: 0x7f, i64_div_u: 0x80, i64_rem_s: 0x81, i64_rem_u: 0x82,
  i64_and: 0x83, i64_or: 0x84, i64_xor: 0x85, i64_shl: 0x86, i64_shr_s: 0x87, i64_shr_u: 0x88,
  i32_wrap_i64: 0xa7, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  i32_extend8_s: 0xc0, i32_extend16_s: 0xc1, i64_extend8_s: 0xc2, i64_extend16_s: 0xc3, i64_extend32_s: 0xc4,
} as const;

export const I32 = 0x7f, I64 = 0x7e, VOID = 0x40;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

export interface WasmFunction {
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** Locals after the params, by type. */
  readonly locals: readonly number[];
  readonly body: readonly number[];
}

const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

/** A module importing a memory as "m"."mem" (one page) and exporting its first function as "f". */
export function wasmModule(fns: readonly WasmFunction[]): Uint8Array {
  const name = (s: string) => vec([...s].map((c) => [c.charCodeAt(0)]));
  const types = vec(fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]));
  const imports = vec([[...name('m'), ...name('mem'), 0x02, 0x00, 0x01]]); // memory, limits: min 1 page, no max
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec([[...name('f'), 0x00, 0x00]]);
  const code = vec(fns.map((f) => {
    const body = [...vec(f.locals.map((t) => [0x01, t])), ...f.body, Op.end];
    return [...uleb(body.length), ...body];
  }));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code),
  ]);
}
