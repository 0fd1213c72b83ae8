/** struct bpf_insn, field by field. */
export interface Insn {
  readonly code: number;    // u8: opcode
  readonly dst_reg: number; // 4 bits
  readonly src_reg: number; // 4 bits
  readonly off: number;     // s16
  readonly imm: number;     // s32
}

/** Builds an instruction; fields left out are 0. */
export function insn(code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0): Insn {
  return { code, dst_reg, src_reg, off, imm };
}
