// Processes and their fd tables: the lowest free fd, stdio at 0-2, fork copies, exit closes all.
import { NOFILE, type FdEntry, type ObjKind, type Proc } from '../state.ts';
import type { S } from './draft.ts';
import { ref, unref } from './objects.ts';
import { assign, child, keys, peek, peekPath, remove, view } from '../draft/index.ts';

const STDIO: FdEntry = { kind: 'file' as ObjKind, id: 0 };

/** The process `pid`, started with stdio open if this is its first event (a process started from outside). */
export function proc(s: S, pid: number) {
  startProc(s, pid);
  return child(child(s, 'procs'), pid);
}

// The paths peekPath reads (procs.<pid>.fds.<fd>), filled in place by each call.
const path: [string, number, string, number] = ['procs', 0, 'fds', 0];

/** The running process `pid` for reading (undefined if it has not started), without drafting it. */
export function runningProc(s: S, pid: number): Proc | undefined {
  path[1] = pid;
  return peekPath(s, path, 2);
}

/** The fd table of running process `pid` for reading, without drafting it or the process. */
export function runningFds(s: S, pid: number): Proc['fds'] | undefined {
  path[1] = pid;
  return peekPath(s, path, 3);
}

/** Starts `pid` with stdio open unless it is running (proc() without taking a draft of it). */
export function startProc(s: S, pid: number): void {
  if (runningProc(s, pid) === undefined) assign(child(s, 'procs'), pid, { pid, fds: { 0: STDIO, 1: STDIO, 2: STDIO } });
}

/** The lowest free fd of `pid`, or -1 when RLIMIT_NOFILE is reached (-EMFILE). */
export function lowestFreeFd(s: S, pid: number): number {
  startProc(s, pid);
  const fds = view(runningFds(s, pid)!); // (which fds are open, read without the Proxy)
  for (let fd = 0; fd < NOFILE; fd++) if (fds[fd] === undefined) return fd;
  return -1;
}

/** Installs `entry` at the lowest free fd, taking a reference on its object. Returns the fd or -1. */
export function installFd(s: S, pid: number, entry: FdEntry): number {
  const fd = lowestFreeFd(s, pid);
  if (fd < 0) return -1;
  assign(child(proc(s, pid), 'fds'), fd, entry);
  ref(s, entry.kind, entry.id);
  return fd;
}

/** The fd's entry if it is open in `pid`, else undefined (the caller answers -EBADF). */
export function fdEntry(s: S, pid: number, fd: number): FdEntry | undefined {
  if (!Number.isInteger(fd) || fd < 0) return undefined;
  path[1] = pid;
  path[3] = fd;
  return peekPath(s, path, 4);
}

/** close(2): 0, or false when the fd is not open. */
export function closeFd(s: S, pid: number, fd: number): boolean {
  startProc(s, pid);
  const entry = fdEntry(s, pid, fd);
  if (!entry) return false;
  remove(child(proc(s, pid), 'fds'), fd);
  unref(s, entry.kind, entry.id);
  return true;
}

/** Every open fd of `pid`, ascending, as the kernel's close_files() walks them. */
export function openFds(s: S, pid: number): number[] {
  const fds = runningFds(s, pid);
  return fds === undefined ? [] : keys(fds).map(Number);
}

export function forkProc(s: S, parent: number, child: number): void {
  startProc(s, parent);
  const fds = runningFds(s, parent)!;
  const copy: Record<number, FdEntry> = {};
  for (const k of keys(fds)) {
    const e = peek(fds, +k);
    copy[Number(k)] = e;
    ref(s, e.kind, e.id);
  }
  s.procs[child] = { pid: child, fds: copy };
}

export function exitProc(s: S, pid: number): void {
  for (const fd of openFds(s, pid)) closeFd(s, pid, fd);
  delete s.procs[pid];
}
