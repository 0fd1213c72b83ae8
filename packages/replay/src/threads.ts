// Worker threads running TypeScript. Node 20 does not apply loader hooks given to a worker in
// execArgv, so a worker starts as a small script that imports its TypeScript entry through tsx's
// tsImport (hooks scoped to that import and everything it imports). Starting one takes about a
// second here (tsx compiles the modules again in the worker), so callers keep workers for long.
import { Worker, type TransferListItem } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TsWorkerOptions {
  readonly workerData?: unknown;
  readonly transferList?: readonly TransferListItem[];
  /** V8's young generation for the worker, in MB (default: V8's). */
  readonly youngGenerationMb?: number;
}

/**
 * A worker running the TypeScript module `entry`. If the entry cannot be loaded, the worker posts
 * `{ type: 'error', message }` to its parent port.
 */
export function tsWorker(entry: URL, o: TsWorkerOptions = {}): Worker {
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`
    + `.catch((e) => require('node:worker_threads').parentPort.postMessage({ type: 'error', message: String(e && e.stack || e) }));`;
  return new Worker(code, {
    eval: true, execArgv: [], workerData: o.workerData, transferList: o.transferList ? [...o.transferList] : undefined,
    ...(o.youngGenerationMb ? { resourceLimits: { maxYoungGenerationSizeMb: o.youngGenerationMb } } : {}),
  });
}
