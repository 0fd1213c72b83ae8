// Compares a kernel result with a model result, field by field.
import { formatRet, type Result } from '@bpfsim/events';

/**
 * Out fields whose values depend on the machine, the moment or the JIT, never on the trace.
 * They are skipped wherever they appear (nested too), whether or not either side wrote them.
 */
export const MACHINE_DEPENDENT_FIELDS: ReadonlySet<string> = new Set([
  // time and who
  'load_time', 'created_by_uid', 'run_time_ns', 'run_cnt', 'recursion_misses', 'duration',
  // the JIT's output
  'jited_prog_len', 'nr_jited_ksyms', 'nr_jited_func_lens', 'nr_jited_line_info',
  // verifier effort, and its log text (for now)
  'verified_insns', 'log_buf', 'log_true_size',
  // which network namespace the object lives in
  'netns_dev', 'netns_ino',
  // ids of BTF objects, which are global like prog ids but not translated
  'btf_id', 'btf_vmlinux_id', 'btf_vmlinux_value_type_id', 'attach_btf_id', 'attach_btf_obj_id',
  // memory accounting
  'memlock',
]);

const show = (v: unknown) => (typeof v === 'string' || typeof v === 'object' ? JSON.stringify(v) : String(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function diff(path: string, k: unknown, m: unknown, out: string[]): void {
  if (isObject(k) && isObject(m)) {
    for (const key of Object.keys(k)) {
      if (MACHINE_DEPENDENT_FIELDS.has(key)) continue;
      if (!(key in m) || m[key] === undefined) out.push(`${path}.${key}: kernel wrote ${show(k[key])}, the model omits it`);
      else diff(`${path}.${key}`, k[key], m[key], out);
    }
    for (const key of Object.keys(m)) {
      if (MACHINE_DEPENDENT_FIELDS.has(key) || m[key] === undefined) continue;
      if (!(key in k)) out.push(`${path}.${key}: the model writes ${show(m[key])}, the kernel wrote nothing`);
    }
    return;
  }
  if (Array.isArray(k) && Array.isArray(m)) {
    if (k.length !== m.length) { out.push(`${path}: kernel ${show(k)}, model ${show(m)}`); return; }
    k.forEach((x, i) => diff(`${path}[${i}]`, x, m[i], out));
    return;
  }
  if (k !== m) out.push(`${path}: kernel ${show(k)}, model ${show(m)}`);
}

/**
 * undefined when `actual` (the model) agrees with `expected` (the kernel): the same ret, and
 * every out field the kernel wrote written alike, apart from MACHINE_DEPENDENT_FIELDS. A field
 * only one side writes is a difference. Otherwise one line per difference.
 */
export function compareResults(expected: Result, actual: Result): string | undefined {
  const lines: string[] = [];
  if (expected.ret !== actual.ret) lines.push(`ret: kernel ${formatRet(expected.ret)}, model ${formatRet(actual.ret)}`);
  diff('out', expected.out ?? {}, actual.out ?? {}, lines);
  return lines.length ? lines.join('\n') : undefined;
}
