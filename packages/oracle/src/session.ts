// Runs events one by one against live helpers: the process table of the trace.
import { EventError, assertEvent, errno, type Event, type Result } from '@bpfsim/events';
import { probeNextLinkId, runBpf } from './bpfcall.ts';
import { FieldError } from './errors.ts';
import { IdMap } from './ids.ts';
import { CHANNEL_FDS, Helper } from './native/helper.ts';
import { addVeth, delLink } from './netdev.ts';

export interface SessionOptions {
  /** The compiled native helper. */
  readonly helperBinary: string;
  /** The directory helpers chroot into (holds the bpffs at sys/fs/bpf and a fifo/ directory). */
  readonly root: string;
  /**
   * Milliseconds to wait after each event that can drop a reference (close, exit, unlink, and a
   * map update or delete), for the kernel's deferred work to finish: a prog array's entries are
   * cleared by a work item when its last user reference goes (map_release_uref), and a freed
   * program's maps are put after an RCU grace period. The model folds the settled outcome;
   * scenarios that observe it right after such an event ask for this (`settleMs` in the scenario).
   */
  readonly settleMs?: number;
}

const SETTLE_AFTER: ReadonlySet<string> = new Set(['close', 'exit', 'unlink', 'BPF_MAP_UPDATE_ELEM', 'BPF_MAP_DELETE_ELEM']);

export class Session {
  private readonly procs = new Map<number, Helper>();
  private readonly ids = new IdMap();

  constructor(private readonly opts: SessionOptions) {}

  async run(events: readonly unknown[]): Promise<Result[]> {
    await this.learnLinkBase();
    const results: Result[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = assertEvent(events[i], i);
      try {
        results.push(await this.step(e, i));
        if (this.opts.settleMs && SETTLE_AFTER.has(e.kind === 'bpf' ? e.cmd : e.kind)) await new Promise((r) => setTimeout(r, this.opts.settleMs));
      } catch (err) {
        if (err instanceof FieldError) throw new EventError(i, { path: err.path, message: err.message });
        if (err instanceof EventError) throw err;
        throw new Error(`event ${i} (${describe(e)}): ${(err as Error).message}`, { cause: err });
      }
    }
    return results;
  }

  /**
   * Link ids are numbered from the kernel's link idr cursor at the start of the trace (ids.ts):
   * a helper of its own makes and drops a throwaway link, before any process of the trace exists.
   */
  private async learnLinkBase(): Promise<void> {
    const h = await Helper.spawn(this.opts.helperBinary, this.opts.root, 'link id probe');
    try {
      this.ids.setBase('link', await probeNextLinkId(h));
      await h.exit();
    } finally {
      h.kill();
    }
  }

  /** Kills every helper still running. */
  shutdown(): void {
    for (const h of this.procs.values()) h.kill();
    this.procs.clear();
  }

  private async proc(pid: number): Promise<Helper> {
    let h = this.procs.get(pid);
    if (!h) {
      h = await Helper.spawn(this.opts.helperBinary, this.opts.root, `pid ${pid}`);
      this.procs.set(pid, h);
    }
    return h;
  }

  private async step(e: Event, index: number): Promise<Result> {
    switch (e.kind) {
      case 'bpf': return runBpf(await this.proc(e.pid), e, this.ids);
      case 'close':
        checkNotChannel(e.fd);
        return { ret: await (await this.proc(e.pid)).close(e.fd) };
      case 'dup':
        checkNotChannel(e.fd);
        return { ret: await (await this.proc(e.pid)).dup(e.fd) };
      case 'fork': {
        // The model's convention for a child pid that is taken.
        if (this.procs.has(e.child) || e.child === e.pid) return { ret: -errno.EEXIST };
        const child = await (await this.proc(e.pid)).fork(`pid ${e.child}`);
        this.procs.set(e.child, child);
        return { ret: e.child };
      }
      case 'exit': {
        const h = this.procs.get(e.pid);
        if (!h) return { ret: -errno.ESRCH };
        this.procs.delete(e.pid);
        await h.exit();
        return { ret: 0 };
      }
      case 'mkdir': return { ret: await (await this.proc(e.pid)).mkdir(e.pathname) };
      case 'unlink': return { ret: await (await this.proc(e.pid)).unlink(e.pathname, e.dir === true) };
      case 'netdev_add': return addVeth(e.name, e.peer);
      case 'netdev_del': return delLink(e.name);
      case 'tick': case 'packets':
        throw new FieldError('kind', `${e.kind} events are not run on the live kernel: the oracle compares syscalls`);
      default: {
        const never: never = e;
        throw new Error(`event ${index}: unhandled kind ${(never as Event).kind}`);
      }
    }
  }
}

function checkNotChannel(fd: number): void {
  if (CHANNEL_FDS.includes(fd)) throw new FieldError('fd', `fd ${fd} is the oracle helper's command channel (${CHANNEL_FDS.join(', ')}); traces cannot use it`);
}

function describe(e: Event): string {
  return e.kind === 'bpf' ? `${e.cmd} by pid ${e.pid}` : e.kind;
}
