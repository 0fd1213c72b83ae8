// A live helper process standing in for one simulated pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, open as openCb, openSync, constants as fsc, readFileSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { errnoName } from '@bpfsim/events';
import type { EncodedCall } from '../attr/buffers.ts';
import { Channel } from './channel.ts';
import { OP, bpfPayload, forkPayload, frame, i32Payload, parseAnswer, parseBpfAnswer, pathPayload, type BpfAnswer, type Op } from './protocol.ts';

const openAsync = promisify(openCb);
const FIFO_DIR = '/fifo';
/** Where helper.c keeps its command channel (CMD_FD, ANS_FD); 0, 1 and 2 are the trace's. */
export const CHANNEL_FDS: readonly number[] = [1000, 1001];
const OPEN_TIMEOUT_MS = 10_000;
let fifoSeq = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while /proc/<pid> exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export class Helper {
  private exited = false;

  private constructor(
    readonly pid: number,
    private readonly channel: Channel,
    /** The chroot the helper lives in, as seen from the controller. */
    readonly root: string,
    private readonly child: ChildProcess | undefined,
  ) {}

  /** Starts a helper with an empty fd table (0, 1, 2) chrooted into `root`. */
  static async spawn(binary: string, root: string, label: string): Promise<Helper> {
    const child = spawn(binary, [root], { stdio: ['pipe', 'pipe', 'inherit'] });
    const channel = new Channel(child.stdin!, child.stdout!, label);
    // 'exit' can come before the last answer has been read from the pipe: fail only once the
    // answer stream has ended, so that an answer already written (EXIT's) is still delivered.
    child.on('exit', (code, sig) => void channel.ended.then(() => channel.fail(new Error(`${label}: helper exited (${sig ?? `status ${code}`})`))));
    child.on('error', (e) => channel.fail(new Error(`${label}: ${e.message}`)));
    const h = new Helper(child.pid ?? -1, channel, root, child);
    const pong = await h.call(OP.PING, Buffer.alloc(0));
    if (pong.ret !== h.pid) throw new Error(`${label}: helper answered ping with ${pong.ret}, expected its pid ${h.pid}`);
    return h;
  }

  private async call(op: Op, payload: Uint8Array) {
    return parseAnswer(await this.channel.request(frame(op, payload)));
  }

  private async simple(op: Op, payload: Uint8Array): Promise<number> {
    const a = await this.call(op, payload);
    return a.ret < 0 ? -a.errno : a.ret;
  }

  async bpf(call: EncodedCall): Promise<BpfAnswer> {
    return parseBpfAnswer(await this.channel.request(frame(OP.BPF, bpfPayload(call))));
  }

  close(fd: number): Promise<number> { return this.simple(OP.CLOSE, i32Payload(fd)); }
  dup(fd: number): Promise<number> { return this.simple(OP.DUP, i32Payload(fd)); }
  mkdir(path: string, mode = 0o755): Promise<number> { return this.simple(OP.MKDIR, pathPayload(mode, path)); }
  unlink(path: string, dir: boolean): Promise<number> { return this.simple(OP.UNLINK, pathPayload(dir ? 1 : 0, path)); }

  /** fork(2): the child gets a copy of this fd table, with its own command channel on 0 and 1. */
  async fork(label: string): Promise<Helper> {
    const n = `${process.pid}.${++fifoSeq}`;
    const cmdPath = `${FIFO_DIR}/${n}.cmd`;
    const ansPath = `${FIFO_DIR}/${n}.ans`;
    const a = await this.call(OP.FORK, forkPayload(cmdPath, ansPath));
    if (a.ret < 0) throw new Error(`${label}: fork failed in the helper (${errnoName(a.errno)})`);
    const hostCmd = join(this.root, cmdPath);
    const hostAns = join(this.root, ansPath);
    // O_RDWR never blocks on a FIFO; the child's read end still sees EOF once we are gone.
    const cmdFd = openSync(hostCmd, fsc.O_RDWR);
    let ansFd: number;
    const timer = setTimeout(() => { try { closeSync(openSync(hostAns, fsc.O_RDWR)); } catch { /* already open */ } }, OPEN_TIMEOUT_MS);
    try {
      ansFd = await openAsync(hostAns, fsc.O_RDONLY);
    } finally {
      clearTimeout(timer);
      for (const p of [hostCmd, hostAns]) if (existsSync(p)) unlinkSync(p);
    }
    const out = new Socket({ fd: cmdFd, readable: false, writable: true });
    const input = new Socket({ fd: ansFd, readable: true, writable: false });
    const channel = new Channel(out, input, label);
    const h = new Helper(a.ret, channel, this.root, undefined);
    const pong = await h.call(OP.PING, Buffer.alloc(0));
    if (pong.ret !== h.pid) throw new Error(`${label}: forked helper answered ping with ${pong.ret}, expected ${h.pid}`);
    return h;
  }

  /** exit(2); resolves once the process is gone, so that its files have been released. */
  async exit(): Promise<void> {
    await this.call(OP.EXIT, Buffer.alloc(0));
    this.exited = true;
    await this.channel.ended;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((r) => this.child!.once('exit', () => r()));
    }
    for (let i = 0; i < 500 && alive(this.pid); i++) await sleep(10);
    this.channel.destroy();
  }

  /** SIGKILL, for cleanup after a failure. */
  kill(): void {
    if (this.exited) return;
    this.exited = true;
    if (alive(this.pid)) {
      try { process.kill(this.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    this.channel.destroy();
  }
}
