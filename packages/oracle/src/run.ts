// runOnKernel: executes a trace on the live kernel, inside fresh network and mount namespaces.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EventError, assertEvent, type Event, type Result } from '@bpfsim/events';
import { ensureHelper } from './native/build.ts';
import type { InnerReply, InnerRequest } from './ns/protocol.ts';
import { currentNamespaces } from './ns/setup.ts';

export interface KernelRun {
  /** uname -r of the kernel that answered. */
  readonly kernel: string;
  /** One result per event: ret (value or -errno) and the out fields the kernel wrote. */
  readonly results: readonly Result[];
}

export interface RunOptions {
  /** Kill the run after this long (default 60 s plus 10 ms per event). */
  readonly timeoutMs?: number;
  /** Wait this long after each event that can drop a reference (SessionOptions.settleMs). */
  readonly settleMs?: number;
}

const INNER = join(dirname(fileURLToPath(import.meta.url)), 'ns', 'inner.ts');

/**
 * Held (flock(1), exclusive) for the whole of each run: link ids are numbered from the kernel's
 * link idr cursor at the start of the trace (ids.ts), so two runs at once, from parallel test
 * files or a campaign's concurrent traces, would each see the other's links as gaps of its own.
 * Runs on this host wait for each other; link activity by anything else on the host while a trace
 * runs is assumed not to happen.
 */
export const ORACLE_LOCK = join(tmpdir(), 'bpfsim-oracle.lock');

function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/**
 * Runs `events` on the live kernel: one helper process per pid, in a private network and
 * mount namespace with a fresh bpffs, torn down afterwards even if a step fails, one run at a
 * time on the host (ORACLE_LOCK). Ids in the events and results are model ids (see ids.ts).
 * Needs root, flock(1), unshare(1), ip(8) and cc.
 */
export async function runOnKernel(events: readonly Event[] | readonly unknown[], opts: RunOptions = {}): Promise<KernelRun> {
  events.forEach((e, i) => assertEvent(e, i));
  const request: InnerRequest = { events, helperBinary: ensureHelper(), hostNamespaces: currentNamespaces(), settleMs: opts.settleMs };
  const child = spawn(
    'flock', [ORACLE_LOCK, 'unshare', '-n', '-m', '--propagation', 'private', '--', process.execPath, '--import', tsxLoader(), INNER],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const killChild = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  process.once('exit', killChild);
  const timer = setTimeout(killChild, opts.timeoutMs ?? 60_000 + (10 + (opts.settleMs ?? 0)) * events.length);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  child.stdin.on('error', () => { /* reported through the exit status */ });
  child.stdin.write(JSON.stringify(request) + '\n');
  try {
    const status = await new Promise<string>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, sig) => resolve(sig ? `signal ${sig}` : `status ${code}`));
    });
    const line = stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`the namespaced runner ended (${status}) without an answer${stderr ? `:\n${stderr.trim()}` : ''}`);
    const reply = JSON.parse(line) as InnerReply;
    if (reply.ok) return { kernel: reply.kernel, results: reply.results };
    if (reply.event) throw new EventError(reply.event.index, { path: reply.event.path, message: reply.event.message });
    throw new Error(`${reply.message}${stderr ? `\n(stderr: ${stderr.trim()})` : ''}`);
  } finally {
    clearTimeout(timer);
    process.off('exit', killChild);
    killChild();
  }
}
