// Patches in immer's format ({op, path, value}), generated from a finalized draft tree, minimal so
// that a diff reads well: one patch per changed property of the deepest changed node.
// - A child draft changed in place gets patches under its own path.
// - A value the recipe stored over another one (`dev.entry = {...}`, `buckets[3] = [...]`) is
//   diffed against the value it replaces: objects key by key, arrays by alignment.
// - Arrays are aligned on identity (the longest common subsequence of the changed middle, after
//   the common prefix and suffix), giving inserts and removes where elements moved, and element
//   diffs where one element took another's place.
// Patches apply in order (as immer's applyPatches does); inverse patches undo them in order.
import { ARRAY, childOf, eachChild, type DraftState } from './engine.ts';

export interface Patch {
  op: 'replace' | 'remove' | 'add';
  path: (string | number)[];
  value?: any;
}

type Path = readonly (string | number)[];

const hasOwn = (o: object, k: PropertyKey) => Object.prototype.hasOwnProperty.call(o, k);
const isRecord = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
};

/** Appends the patches (and inverse patches) of a finalized draft `s` found at `path`. */
export function generatePatches(s: DraftState, path: Path, patches: Patch[], inverse: Patch[]): void {
  if (s.copy === null) return;
  if ((s.flags & ARRAY) !== 0) {
    diffArrays(s.base, s.copy, path, patches, inverse, s);
    return;
  }
  const base = s.base;
  const final = s.copy;
  eachChild(s, (k, c) => { if (c.copy !== null) generatePatches(c, [...path, k as string], patches, inverse); });
  const a = s.assigned;
  if (a === null) return;
  const seen = a.length > 1 ? new Set<PropertyKey>() : null;
  for (const k of a) {
    if (seen !== null) {
      if (seen.has(k)) continue;
      seen.add(k);
    }
    // A child drafted after this key was last set carries its own patches.
    if (childOf(s, k) !== undefined) continue;
    const inBase = hasOwn(base, k), inFinal = hasOwn(final, k);
    if (inBase && inFinal) diffValues(base[k], final[k], [...path, k as string], patches, inverse);
    else if (inFinal) {
      patches.push({ op: 'add', path: [...path, k as string], value: final[k] });
      inverse.push({ op: 'remove', path: [...path, k as string] });
    } else if (inBase) {
      patches.push({ op: 'remove', path: [...path, k as string] });
      inverse.push({ op: 'add', path: [...path, k as string], value: base[k] });
    }
  }
}

/** Patches turning `a` into `b` at `path` (and back), descending into objects and arrays. */
function diffValues(a: unknown, b: unknown, path: Path, patches: Patch[], inverse: Patch[]): void {
  if (Object.is(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    for (const k of Object.keys(a)) {
      if (hasOwn(b, k)) diffValues(a[k], b[k], [...path, k], patches, inverse);
      else {
        patches.push({ op: 'remove', path: [...path, k] });
        inverse.push({ op: 'add', path: [...path, k], value: a[k] });
      }
    }
    for (const k of Object.keys(b)) {
      if (hasOwn(a, k)) continue;
      patches.push({ op: 'add', path: [...path, k], value: b[k] });
      inverse.push({ op: 'remove', path: [...path, k] });
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    diffArrays(a, b, path, patches, inverse, null);
    return;
  }
  patches.push({ op: 'replace', path: [...path], value: b });
  inverse.push({ op: 'replace', path: [...path], value: a });
}

/** The draft of element i when it was changed in place (same index in base and result). */
function changedChild(s: DraftState | null, i: number): DraftState | undefined {
  if (s === null) return undefined;
  const c = childOf(s, String(i));
  return c !== undefined && c.copy !== null ? c : undefined;
}

/** The changed child a kept pair (bi, fj) stands for, if it is one (and not an identical element). */
function keptChild(s: DraftState | null, B: readonly unknown[], F: readonly unknown[], bi: number, fj: number): DraftState | undefined {
  return bi === fj && !Object.is(B[bi], F[fj]) ? changedChild(s, bi) : undefined;
}

const KEEP = 0, SUB = 1, DEL = 2, INS = 3;
/** Alignment of a changed middle larger than this (cells of the LCS table) is positional. */
const MAX_LCS_CELLS = 1 << 16;

/**
 * Patches turning array B into F. `s` is B's draft when F is its copy (elements changed in place
 * are then children of `s`), or null for two plain arrays.
 */
function diffArrays(B: readonly unknown[], F: readonly unknown[], path: Path, patches: Patch[], inverse: Patch[], s: DraftState | null): void {
  const n = B.length, m = F.length, lim = Math.min(n, m);
  let pre = 0;
  while (pre < lim && same(B, F, s, pre, pre)) pre++;
  let suf = 0;
  while (suf < lim - pre && Object.is(F[m - 1 - suf], B[n - 1 - suf])) suf++;
  if (s !== null) {
    for (let i = 0; i < pre; i++) {
      const c = keptChild(s, B, F, i, i);
      if (c !== undefined) generatePatches(c, [...path, i], patches, inverse);
    }
  }
  const lb = n - pre - suf, lf = m - pre - suf;
  if (lb === 0 && lf === 0) return;
  if (lb === 1 && lf === 1) {
    // One element took another's place (the common case of an element written in place).
    diffValues(B[pre], F[pre], [...path, pre], patches, inverse);
    return;
  }
  const script = lb === 0 || lf === 0 || lb * lf > MAX_LCS_CELLS ? alignPositional(pre, lb, lf) : alignLcs(B, F, s, pre, lb, lf);
  const none: Patch[] = [];
  // Forward: B into F, left to right; j is the index in the array as patched so far.
  let j = pre;
  for (const [op, bi, fj] of script) {
    if (op === KEEP) {
      const c = keptChild(s, B, F, bi, fj);
      if (c !== undefined) generatePatches(c, [...path, j], patches, none);
      j++;
    } else if (op === SUB) {
      diffValues(B[bi], F[fj], [...path, j], patches, none);
      j++;
    } else if (op === DEL) patches.push({ op: 'remove', path: [...path, j] });
    else { patches.push({ op: 'add', path: [...path, j], value: F[fj] }); j++; }
  }
  // Inverse: F into B, the same way.
  j = pre;
  for (const [op, bi, fj] of script) {
    if (op === KEEP) {
      const c = keptChild(s, B, F, bi, fj);
      if (c !== undefined) generatePatches(c, [...path, j], none, inverse);
      j++;
    } else if (op === SUB) {
      diffValues(B[bi], F[fj], [...path, j], none, inverse);
      j++;
    } else if (op === INS) inverse.push({ op: 'remove', path: [...path, j] });
    else { inverse.push({ op: 'add', path: [...path, j], value: B[bi] }); j++; }
  }
}

/** Whether B[i] and F[j] align: the same value, or an element changed in place (its draft's result). */
function same(B: readonly unknown[], F: readonly unknown[], s: DraftState | null, i: number, j: number): boolean {
  return Object.is(B[i], F[j]) || (i === j && changedChild(s, i) !== undefined);
}

type Step = readonly [op: number, bi: number, fj: number];

/** Longest common subsequence of B[pre, pre+lb) and F[pre, pre+lf); removes and inserts between kept
 *  elements are paired into substitutions. */
function alignLcs(B: readonly unknown[], F: readonly unknown[], s: DraftState | null, pre: number, lb: number, lf: number): Step[] {
  const w = lf + 1;
  const t = new Int32Array((lb + 1) * w);
  for (let i = lb - 1; i >= 0; i--) {
    for (let j = lf - 1; j >= 0; j--) {
      t[i * w + j] = same(B, F, s, pre + i, pre + j) ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
    }
  }
  const script: Step[] = [];
  let i = 0, j = 0, di = 0, dj = 0;
  // Between two kept pairs: removes B[pre+di, pre+i) and inserts F[pre+dj, pre+j).
  const flush = () => {
    const nd = i - di, ni = j - dj, k = Math.min(nd, ni);
    for (let x = 0; x < k; x++) script.push([SUB, pre + di + x, pre + dj + x]);
    for (let x = k; x < nd; x++) script.push([DEL, pre + di + x, -1]);
    for (let x = k; x < ni; x++) script.push([INS, -1, pre + dj + x]);
  };
  while (i < lb || j < lf) {
    if (i < lb && j < lf && same(B, F, s, pre + i, pre + j)) {
      flush();
      script.push([KEEP, pre + i, pre + j]);
      i++; j++;
      di = i; dj = j;
    } else if (j >= lf || (i < lb && t[(i + 1) * w + j] >= t[i * w + j + 1])) i++;
    else j++;
  }
  flush();
  return script;
}

/** Element by element, then the longer side's tail (for middles too large to align). */
function alignPositional(pre: number, lb: number, lf: number): Step[] {
  const script: Step[] = [];
  const k = Math.min(lb, lf);
  for (let x = 0; x < k; x++) script.push([SUB, pre + x, pre + x]);
  for (let x = k; x < lb; x++) script.push([DEL, pre + x, -1]);
  for (let x = k; x < lf; x++) script.push([INS, -1, pre + x]);
  return script;
}
