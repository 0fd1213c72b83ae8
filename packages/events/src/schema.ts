// A tiny schema language for uapi-shaped attrs: each field names its C type, and the
// TypeScript type of an attr is inferred from its schema (zod-style), so the two never drift.
import type { Insn } from './insn.ts';

export type Scalar = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | 's64';
/** A field read by the kernel. `enum` fields take the kernel name or a raw number. */
export type FieldKind =
  | Scalar
  | 'str'        // a C string the kernel copies in (prog_name, license, pathname)
  | 'bytes'      // bytes the kernel reads through a pointer, as lowercase hex
  | 'insns'      // struct bpf_insn[] the kernel reads through `insns`
  | 'outbuf'     // a pointer the kernel writes through: true when user space passed one
  | { enum: readonly string[] }
  | { struct: Schema };

export interface Field { readonly kind: FieldKind; readonly required?: boolean; readonly union?: string }
export type Schema = { readonly [name: string]: Field };

export const f = {
  u8: { kind: 'u8' }, u16: { kind: 'u16' }, u32: { kind: 'u32' }, s32: { kind: 's32' },
  u64: { kind: 'u64' }, s64: { kind: 's64' }, str: { kind: 'str' }, bytes: { kind: 'bytes' },
  insns: { kind: 'insns' }, outbuf: { kind: 'outbuf' },
} as const satisfies Record<string, Field>;

export function req<F extends Field>(x: F): F & { required: true } {
  return { ...x, required: true };
}
/** Members of one C union: at most one of the names may be given. */
export function union<F extends Field>(x: F, group: string): F & { union: string } {
  return { ...x, union: group };
}
export function enumField<const T extends readonly string[]>(names: T): { kind: { enum: T } } {
  return { kind: { enum: names } };
}
export function struct<const S extends Schema>(s: S): { kind: { struct: S } } {
  return { kind: { struct: s } };
}

type TypeOfKind<K> =
  K extends Scalar ? number :
  K extends 'str' | 'bytes' ? string :
  K extends 'insns' ? readonly Insn[] :
  K extends 'outbuf' ? boolean :
  K extends { enum: readonly (infer N)[] } ? N | number :
  K extends { struct: infer S extends Schema } ? Infer<S> :
  never;

type RequiredKeys<S extends Schema> = { [K in keyof S]: S[K] extends { required: true } ? K : never }[keyof S];
type OptionalKeys<S extends Schema> = Exclude<keyof S, RequiredKeys<S>>;

/** The TypeScript type of an attr with schema S. */
export type Infer<S extends Schema> =
  { readonly [K in RequiredKeys<S>]: TypeOfKind<S[K]['kind']> } &
  { readonly [K in OptionalKeys<S>]?: TypeOfKind<S[K]['kind']> };
