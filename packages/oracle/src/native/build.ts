// Compiles native/helper.c on demand into native/build/ (a fresh machine has a C compiler, nothing pre-built).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NATIVE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native');
export const HELPER_SOURCE = join(NATIVE_DIR, 'helper.c');
export const HELPER_BINARY = join(NATIVE_DIR, 'build', 'bpfsim-helper');

/** The C compiler to use: $CC, else cc. */
export const compiler = (): string => process.env.CC || 'cc';

/** Path of an up-to-date helper binary, compiling it first if it is missing or older than its source. */
export function ensureHelper(): string {
  const fresh = existsSync(HELPER_BINARY) && statSync(HELPER_BINARY).mtimeMs >= statSync(HELPER_SOURCE).mtimeMs;
  if (fresh) return HELPER_BINARY;
  mkdirSync(dirname(HELPER_BINARY), { recursive: true });
  // Build under a private name and rename, so concurrent test workers never run a half-written file.
  const tmp = `${HELPER_BINARY}.${process.pid}.tmp`;
  const r = spawnSync(compiler(), ['-O2', '-Wall', '-o', tmp, HELPER_SOURCE], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run the C compiler ${compiler()}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`compiling ${HELPER_SOURCE} failed:\n${r.stderr}`);
  renameSync(tmp, HELPER_BINARY);
  return HELPER_BINARY;
}
