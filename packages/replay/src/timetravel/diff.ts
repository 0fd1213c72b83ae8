// Structural diffs of frozen states. States share every subtree an event did not change, so a
// diff only descends where references differ: its cost is the size of the change, not of the state.
//
// Two views of a difference:
//  - changes(): what undo needs, exactly: each changed leaf, or a whole object whose set of keys
//    changed, or a whole array whose length changed, with the values before and after (the old
//    values by reference). Writing the `before` values back restores the state exactly, key order
//    included (see applyChanges).
//  - diffLines(): what people read: `netdevs.3.tcx_ingress.items[1]: + {prog_id: 7, link_id: 0}`,
//    keys added (+) and removed (-), leaves changed (old → new), array elements inserted and
//    removed (by a longest common subsequence).
import { setOwn } from '../trace/format.ts';

/** A path segment: an object key, or (a number) an array index. */
export type Seg = string | number;
export type Path = readonly Seg[];

/** Stands for "not there" in changes and lookups. */
export const ABSENT: unique symbol = Symbol('absent');
export type Maybe = unknown;

export interface Change { readonly path: Path; readonly before: Maybe; readonly after: Maybe }

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>, ka: string[]): boolean {
  let n = 0;
  for (const _ in b) n++;
  if (n !== ka.length) return false;
  for (const k of ka) if (!hasOwn(b, k)) return false;
  return true;
}

/** The changes that turn `a` into `b` (see the top of this file). */
export function changes(a: unknown, b: unknown): Change[] {
  const out: Change[] = [];
  const walk = (x: unknown, y: unknown, path: Seg[]) => {
    if (x === y) return;
    if (isObj(x) && isObj(y)) {
      const kx = Object.keys(x);
      if (sameKeys(x, y, kx)) { for (const k of kx) if (x[k] !== y[k]) walk(x[k], y[k], [...path, k]); return; }
    } else if (Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) walk(x[i], y[i], [...path, i]);
      return;
    }
    out.push({ path, before: x, after: y });
  };
  walk(a, b, []);
  return out;
}

function setIn(node: unknown, path: Path, i: number, value: unknown): unknown {
  if (i === path.length) return value;
  const key = path[i];
  if (Array.isArray(node)) {
    const copy = node.slice();
    copy[key as number] = setIn(node[key as number], path, i + 1, value);
    return Object.freeze(copy);
  }
  const o = node as Record<string, unknown>;
  const copy = { ...o }; // integer keys ascending, then string keys in the original's order
  const child = setIn(hasOwn(o, key as string) ? o[key] : undefined, path, i + 1, value);
  if (child === ABSENT) delete copy[key]; else setOwn(copy, key as string, child);
  return Object.freeze(copy);
}

/** Writes each change's `before` (undo) or `after` (redo) value into `state`, copying the paths it writes along. */
export function applyChanges<T>(state: T, cs: readonly Change[], which: 'before' | 'after'): T {
  let s: unknown = state;
  for (const c of cs) s = setIn(s, c.path, 0, which === 'before' ? c.before : c.after);
  return s as T;
}

/**
 * The first `depth` segments of every path where `a` and `b` differ (as strings), comparing by
 * reference: cheap enough to keep for every event of a long trace (blame's index).
 */
export function touched(a: unknown, b: unknown, depth: number): string[][] {
  const out: string[][] = [];
  const walk = (x: unknown, y: unknown, d: number, path: string[]) => {
    if (x === y) return;
    if (d === 0 || typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) { out.push(path); return; }
    const xo = x as Record<string, unknown>, yo = y as Record<string, unknown>;
    for (const k of Object.keys(xo)) if (xo[k] !== yo[k]) walk(xo[k], hasOwn(yo, k) ? yo[k] : ABSENT, d - 1, [...path, k]);
    for (const k of Object.keys(yo)) if (!hasOwn(xo, k)) walk(ABSENT, yo[k], d - 1, [...path, k]);
  };
  walk(a, b, depth, []);
  return out;
}

/** Deep equality of JSON-like values; a key whose value is undefined counts as absent. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], bb[i])) return false;
    return true;
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.every((v, i) => v === y[i]);
  }
  const ao = a as Record<string, unknown>, bo = b as Record<string, unknown>;
  // Keys whose value is undefined count as absent. (Counting loops: replay compares every result.)
  let na = 0, nb = 0;
  for (const k in ao) {
    const v = ao[k];
    if (v === undefined || !hasOwn(ao, k)) continue;
    if (!hasOwn(bo, k) || !sameValue(v, bo[k])) return false;
    na++;
  }
  for (const k in bo) if (bo[k] !== undefined && hasOwn(bo, k)) nb++;
  return na === nb;
}

/** One readable difference. */
export interface DiffLine {
  readonly path: Path;
  /** '+' added, '-' removed, '~' changed. */
  readonly op: '+' | '-' | '~';
  readonly before?: unknown;
  readonly after?: unknown;
}

const LCS_LIMIT = 250_000;

/** The readable differences between `a` and `b` under `path`. */
export function diffLines(a: unknown, b: unknown, path: Path = []): DiffLine[] {
  const out: DiffLine[] = [];
  const walk = (x: unknown, y: unknown, p: Seg[]) => {
    if (x === y) return;
    if (x === ABSENT) { out.push({ path: p, op: '+', after: y }); return; }
    if (y === ABSENT) { out.push({ path: p, op: '-', before: x }); return; }
    if (isObj(x) && isObj(y)) {
      for (const k of Object.keys(x)) walk(x[k], hasOwn(y, k) ? y[k] : ABSENT, [...p, k]);
      for (const k of Object.keys(y)) if (!hasOwn(x, k)) walk(ABSENT, y[k], [...p, k]);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length === y.length || x.length * y.length > LCS_LIMIT) {
        const n = Math.max(x.length, y.length);
        for (let i = 0; i < n; i++) walk(i < x.length ? x[i] : ABSENT, i < y.length ? y[i] : ABSENT, [...p, i]);
        return;
      }
      arrayDiff(x, y, p, out);
      return;
    }
    if (sameValue(x, y)) return;
    out.push({ path: p, op: '~', before: x, after: y });
  };
  walk(a, b, [...path]);
  return out;
}

/** Insertions and removals between two arrays of different lengths, by a longest common subsequence. */
function arrayDiff(x: readonly unknown[], y: readonly unknown[], p: Seg[], out: DiffLine[]): void {
  const n = x.length, m = y.length;
  const L: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    L[i][j] = sameValue(x[i], y[j]) ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  }
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && sameValue(x[i], y[j])) { i++; j++; }
    else if (j < m && (i === n || L[i][j + 1] >= L[i + 1][j])) { out.push({ path: [...p, j], op: '+', after: y[j] }); j++; }
    else { out.push({ path: [...p, i], op: '-', before: x[i] }); i++; }
  }
}

const IDENT = /^[A-Za-z_$][\w$]*$|^\d+$/;

/** `netdevs.3.tcx_ingress.items[1]`, `bpffs["loader/counters"]`. */
export function formatPath(path: Path): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (IDENT.test(seg)) s += s ? `.${seg}` : seg;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s || '(state)';
}

export class PathError extends Error {}

/** Parses what formatPath writes (also `a.b.1` for an array index, and `['x']`). Digits become numbers. */
export function parsePath(text: string): Seg[] {
  const segs: Seg[] = [];
  let i = 0;
  const t = text.trim();
  if (t === '' || t === '.' || t === '(state)') return segs;
  while (i < t.length) {
    const c = t[i];
    if (c === '.') { i++; if (t[i] === '.' || i === t.length) throw new PathError(`bad path ${JSON.stringify(text)}: empty segment`); continue; }
    if (c === '[') {
      const q = t[i + 1];
      if (q === '"' || q === "'") {
        let j = i + 2, s = '';
        while (j < t.length && t[j] !== q) { if (t[j] === '\\' && j + 1 < t.length) { s += t[j + 1]; j += 2; } else s += t[j++]; }
        if (t[j] !== q || t[j + 1] !== ']') throw new PathError(`bad path ${JSON.stringify(text)}: unterminated [${q}...${q}]`);
        segs.push(s);
        i = j + 2;
      } else {
        const j = t.indexOf(']', i);
        if (j < 0) throw new PathError(`bad path ${JSON.stringify(text)}: unterminated [`);
        const inner = t.slice(i + 1, j).trim();
        segs.push(/^\d+$/.test(inner) ? Number(inner) : inner);
        i = j + 1;
      }
      continue;
    }
    let j = i;
    while (j < t.length && t[j] !== '.' && t[j] !== '[') j++;
    const word = t.slice(i, j);
    segs.push(/^\d+$/.test(word) ? Number(word) : word);
    i = j;
  }
  return segs;
}

/** The value at `path`, or ABSENT. A number segment indexes an array or names an object's key. */
export function getPath(v: unknown, path: Path): unknown {
  let cur: unknown = v;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null) return ABSENT;
    if (Array.isArray(cur)) {
      const i = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
      if (i < 0 || i >= cur.length) return ABSENT;
      cur = cur[i];
    } else {
      const k = String(seg);
      if (!hasOwn(cur, k)) return ABSENT;
      cur = (cur as Record<string, unknown>)[k];
    }
  }
  return cur;
}

/** Normalises a parsed path against a value: number segments on objects become keys. */
export function resolvePath(v: unknown, path: Path): Seg[] {
  const out: Seg[] = [];
  let cur: unknown = v;
  for (const seg of path) {
    const isArr = Array.isArray(cur);
    const s: Seg = isArr ? (typeof seg === 'number' ? seg : Number(seg)) : String(seg);
    out.push(s);
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[s as string] : undefined;
  }
  return out;
}

/** A value as a short JS-like literal: `{prog_id: 7, link_id: 0}`, cut to `max` characters. */
export function formatValue(v: unknown, max = 160): string {
  let s = '';
  const put = (x: unknown): boolean => {
    if (s.length > max) return false;
    if (x === ABSENT) s += '(absent)';
    else if (x === undefined) s += 'undefined';
    else if (typeof x === 'string') s += JSON.stringify(x);
    else if (typeof x !== 'object' || x === null) s += String(x);
    else if (Array.isArray(x)) {
      s += '[';
      for (let i = 0; i < x.length; i++) { if (i) s += ', '; if (!put(x[i])) return false; }
      s += ']';
    } else if (ArrayBuffer.isView(x)) s += `<${x.byteLength} bytes>`;
    else {
      s += '{';
      let first = true;
      for (const [k, val] of Object.entries(x)) {
        if (val === undefined) continue;
        if (!first) s += ', ';
        first = false;
        s += `${IDENT.test(k) ? k : JSON.stringify(k)}: `;
        if (!put(val)) return false;
      }
      s += '}';
    }
    return s.length <= max;
  };
  put(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

export function formatDiffLine(d: DiffLine, max = 160): string {
  const p = formatPath(d.path);
  switch (d.op) {
    case '+': return `${p}: + ${formatValue(d.after, max)}`;
    case '-': return `${p}: - ${formatValue(d.before, max)}`;
    case '~': return `${p}: ${formatValue(d.before, max)} → ${formatValue(d.after, max)}`;
  }
}
