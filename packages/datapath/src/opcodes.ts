// Instruction encoding (RFC 9669, include/uapi/linux/bpf.h).

export const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03;
export const BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_JMP32 = 0x06, BPF_ALU64 = 0x07;

export const BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10, BPF_DW = 0x18;
export const BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MEM = 0x60, BPF_MEMSX = 0x80, BPF_ATOMIC = 0xc0;

export const BPF_K = 0x00, BPF_X = 0x08;

export const BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30, BPF_OR = 0x40, BPF_AND = 0x50;
export const BPF_LSH = 0x60, BPF_RSH = 0x70, BPF_NEG = 0x80, BPF_MOD = 0x90, BPF_XOR = 0xa0, BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0, BPF_END = 0xd0;

export const BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30, BPF_JSET = 0x40, BPF_JNE = 0x50;
export const BPF_JSGT = 0x60, BPF_JSGE = 0x70, BPF_CALL = 0x80, BPF_EXIT = 0x90, BPF_JLT = 0xa0, BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0, BPF_JSLE = 0xd0, BPF_JCOND = 0xe0;

/** BPF_END source bit: to little endian (K) / to big endian (X); with ALU64 it is bswap. */
export const BPF_TO_LE = 0x00, BPF_TO_BE = 0x08;

/** Atomic operations (imm of BPF_STX | BPF_ATOMIC). */
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

export const cls = (code: number) => code & 0x07;
export const size = (code: number) => code & 0x18;
export const mode = (code: number) => code & 0xe0;
export const src = (code: number) => code & 0x08;
export const op = (code: number) => code & 0xf0;

/** Bytes of a BPF_SIZE. */
export function sizeBytes(code: number): 1 | 2 | 4 | 8 {
  switch (size(code)) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
  }
}

/** MAX_TAIL_CALL_CNT: at most 33 tail calls per program run. */
export const MAX_TAIL_CALL_CNT = 33;
/** MAX_BPF_STACK: bytes of one frame. */
export const MAX_BPF_STACK = 512;
/** MAX_CALL_FRAMES: depth of bpf-to-bpf calls, main program included. */
export const MAX_CALL_FRAMES = 8;
/** BPF_MAX_LOOPS: the budget of may_goto and of bpf_loop. */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;
