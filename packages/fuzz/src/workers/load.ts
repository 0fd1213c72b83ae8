// Loading a fuzz spec from a module: its default export, or an export named `spec`, or the export
// named by `name`; a function is called (with no arguments) to make the spec.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FuzzSpec } from '../model/types.ts';

export class SpecError extends Error {}

/** A path or file URL as a URL import() takes, relative paths against `cwd`. */
export function moduleUrl(target: string, cwd = process.cwd()): string {
  if (/^file:/.test(target)) return target;
  return pathToFileURL(isAbsolute(target) ? target : resolve(cwd, target)).href;
}

const isSpec = (x: unknown): x is FuzzSpec<unknown> =>
  !!x && typeof x === 'object' && typeof (x as FuzzSpec<unknown>).setup === 'function' && typeof (x as FuzzSpec<unknown>).operations === 'object';

export async function loadSpec(target: string, name?: string): Promise<FuzzSpec<unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(moduleUrl(target)) as Record<string, unknown>;
  } catch (e) {
    throw new SpecError(`cannot load ${target}: ${(e as Error).message}`);
  }
  const keys = name ? [name] : ['default', 'spec'];
  for (const k of keys) {
    let v = mod[k];
    if (typeof v === 'function') v = (v as () => unknown)();
    if (isSpec(v)) return v;
  }
  throw new SpecError(`${target} exports no fuzz spec as ${keys.join(' or ')} (an object with setup() and operations, or a function returning one)`);
}
