// Entry point run under `unshare -n -m --propagation private`: reads one InnerRequest line on
// stdin, runs the events, writes one InnerReply line on stdout. If stdin closes early (the
// runner died) or a signal arrives, every helper is killed; the namespaces die with them.
import { release } from 'node:os';
import { EventError, type Result } from '@bpfsim/events';
import { Session } from '../session.ts';
import type { InnerReply, InnerRequest } from './protocol.ts';
import { assertPrivateNamespaces, prepareRoot } from './setup.ts';

let session: Session | undefined;
let done = false;

function reply(r: InnerReply, code: number): void {
  done = true;
  session?.shutdown();
  process.stdout.write(JSON.stringify(r) + '\n', () => process.exit(code));
}

function abort(why: string): void {
  if (done) return;
  done = true;
  session?.shutdown();
  process.stderr.write(`bpfsim oracle: ${why}; helpers killed\n`);
  process.exit(1);
}

/** The first line of stdin; stdin stays open, and its end later means the runner is gone. */
function readRequest(): Promise<InnerRequest> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.on('data', () => {});
      process.stdin.on('end', () => abort('the runner closed stdin'));
      try { resolve(JSON.parse(buf.slice(0, nl)) as InnerRequest); } catch (e) { reject(e as Error); }
    };
    const onEnd = () => reject(new Error('stdin closed before a request arrived'));
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  });
}

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => abort(`got ${sig}`));
  const req = await readRequest();
  assertPrivateNamespaces(req.hostNamespaces);
  session = new Session({ helperBinary: req.helperBinary, root: prepareRoot(), settleMs: req.settleMs });
  let results: Result[];
  try {
    results = await session.run(req.events);
  } catch (e) {
    if (!(e instanceof EventError)) throw e;
    reply({ ok: false, message: e.message, event: { index: e.index ?? -1, path: e.error.path, message: e.error.message } }, 1);
    return;
  }
  reply({ ok: true, kernel: release(), results }, 0);
}

main().catch((e: Error) => reply({ ok: false, message: e.stack ?? e.message }, 1));
