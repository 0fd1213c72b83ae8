// `bpfsim debug TRACE`: an interactive time-travelling debugger over a trace, driven line by line
// from standard input (so scripts can drive it too).
import { createInterface } from 'node:readline';
import { BPF_CMD_NAMES, errno, errnoName, EVENT_KINDS, type Event, type Result } from '@bpfsim/events';
import { showState } from '@bpfsim/replay';
import { formatCall, formatEntry, formatResult } from '@bpfsim/replay';
import { Session } from '@bpfsim/replay';
import { ABSENT, formatDiffLine, formatPath, formatValue, getPath, parsePath, PathError, resolvePath, sameValue, type Seg } from '@bpfsim/replay';
import { blame } from './blame.ts';
import { CliError } from './errors.ts';
import { openTrace, parseArgs, warnStop } from './trace-cli.ts';

export const DEBUG_HELP = `commands (positions count events folded: position N is the state after N events, before event N):
  step [N], s, next, n   fold the next N events (default 1), printing each and what it changed
  back [N], b            undo the last N events
  goto N, g N            go to position N ("end" for the end)
  continue, c            run forward to the next breakpoint or watched change
  rcontinue, rc          run back to the previous breakpoint
  print [PATH], p        the value at PATH (e.g. netdevs.3.tcx_ingress.items[0]); the whole state without PATH
  watch PATH             report changes of PATH as events fold; continue stops on them
  unwatch PATH|all
  break NAME, br NAME    stop continue before an event: a bpf command (BPF_PROG_ATTACH or PROG_ATTACH),
                         "error" for any event that fails,
                         an event kind (close, fork, netdev_add, ...) or an errno it returned (EBADF)
  delete NAME|all        remove breakpoints
  info, where            the position, the next event, breakpoints and watches
  changes [N]            what event N changed (default: the last one folded)
  blame PATH             the event that last changed PATH
  show                   the state as bpftool shows it
  help, h                this text
  quit, q                leave`;

interface Watch { readonly text: string; readonly path: Seg[] }

/** The breakpoint that stops before any event whose result is an errno. */
const ERROR = 'ERROR';
const CMDS = new Set<string>(BPF_CMD_NAMES);
/**
 * A breakpoint's name as #matches compares it (upper case; a bpf command with its BPF_ prefix),
 * or undefined when NAME is no bpf command, event kind, errno or "error": a typo would otherwise
 * be a breakpoint that never stops.
 */
function breakName(name: string): string | undefined {
  const u = name.toUpperCase();
  if (u === ERROR || EVENT_KINDS.includes(name.toLowerCase())) return u;
  if (CMDS.has(u)) return u;
  if (CMDS.has(`BPF_${u}`)) return `BPF_${u}`;
  if (Object.prototype.hasOwnProperty.call(errno, u) || /^E[1-9]\d*$/.test(u)) return u;
  return undefined;
}

export class Debugger {
  readonly session: Session;
  readonly breaks = new Set<string>();
  readonly watches: Watch[] = [];
  done = false;

  constructor(session: Session) { this.session = session; }

  #matches(i: number): string | undefined {
    const e: Event = this.session.event(i), r: Result = this.session.result(i);
    for (const b of this.breaks) {
      if (e.kind.toUpperCase() === b) return b;
      if (e.kind === 'bpf' && e.cmd === b) return b; // (breakName gives commands their BPF_ prefix)
      if (r.ret < 0 && (b === ERROR || errnoName(r.ret) === b)) return b;
    }
    return undefined;
  }

  #where(): string {
    const s = this.session, p = s.position;
    return p < s.length
      ? `at position ${p} of ${s.length}; next: ${formatEntry(p, s.event(p), s.result(p)).trimStart()}`
      : `at position ${p} of ${s.length} (the end)`;
  }

  #watchValues(): unknown[] { return this.watches.map((w) => getPath(this.session.state, w.path)); }

  /** Steps once, printing the event and its changes; returns whether a watch changed. */
  #step(out: string[], verbose: boolean): boolean {
    const s = this.session, i = s.position;
    const before = this.#watchValues();
    s.step();
    if (verbose) {
      out.push(formatEntry(i, s.event(i), s.result(i)));
      for (const d of s.diff(i, i + 1)) out.push(`      ${formatDiffLine(d)}`);
    }
    let changed = false;
    const after = this.#watchValues();
    this.watches.forEach((w, k) => {
      if (!sameValue(before[k], after[k])) {
        changed = true;
        out.push(`watch ${w.text}: ${formatValue(before[k])} → ${formatValue(after[k])} (event ${i})`);
      }
    });
    return changed;
  }

  #path(text: string | undefined): Seg[] {
    if (text === undefined) throw new PathError('expected a state path');
    return resolvePath(this.session.state, parsePath(text));
  }

  #count(v: string | undefined): number {
    if (v === undefined) return 1;
    if (!/^\d+$/.test(v)) throw new PathError(`expected a count, got ${JSON.stringify(v)}`);
    return Number(v);
  }

  /** Runs one command line; returns what it prints. */
  exec(line: string): string[] {
    const out: string[] = [];
    const [cmd, ...args] = line.trim().split(/\s+/);
    const rest = line.trim().slice(cmd.length).trim();
    const s = this.session;
    try {
      switch (cmd) {
        case '': break;
        case 'step': case 's': case 'next': case 'n': {
          const n = this.#count(args[0]);
          for (let k = 0; k < n; k++) {
            if (s.position >= s.length) { out.push(`at the end (position ${s.length})`); break; }
            this.#step(out, true);
          }
          break;
        }
        case 'back': case 'b': {
          const n = this.#count(args[0]);
          for (let k = 0; k < n && s.position > 0; k++) s.stepBack();
          out.push(this.#where());
          break;
        }
        case 'goto': case 'g': {
          const v = args[0];
          if (v === undefined || !(v === 'end' || /^\d+$/.test(v))) { out.push(`goto: expected a position 0..${s.length} or end`); break; }
          const p = v === 'end' ? s.length : Number(v);
          if (p > s.length) { out.push(`goto: position ${p} is past the end (${s.length})`); break; }
          s.seek(p);
          out.push(this.#where());
          break;
        }
        case 'continue': case 'c': {
          let first = true;
          for (;;) {
            if (s.position >= s.length) { out.push(`reached the end (position ${s.length})`); break; }
            const b = first ? undefined : this.#matches(s.position);
            if (b) { out.push(`breakpoint ${b}: ${this.#where()}`); break; }
            first = false;
            if (this.#step(out, false)) { out.push(this.#where()); break; }
          }
          break;
        }
        case 'rcontinue': case 'rc': {
          let j = s.position - 1;
          while (j >= 0 && !this.#matches(j)) j--;
          s.seek(Math.max(j, 0));
          out.push(j >= 0 ? `breakpoint ${this.#matches(j)}: ${this.#where()}` : `reached the start: ${this.#where()}`);
          break;
        }
        case 'print': case 'p': {
          const path = rest ? this.#path(rest) : [];
          const v = getPath(s.state, path);
          out.push(`${formatPath(path)} = ${v === ABSENT ? '(absent)' : formatValue(v, 4000)}`);
          break;
        }
        case 'watch': {
          const path = this.#path(rest || undefined);
          this.watches.push({ text: formatPath(path), path });
          const v = getPath(s.state, path);
          out.push(`watching ${formatPath(path)} = ${v === ABSENT ? '(absent)' : formatValue(v)}`);
          break;
        }
        case 'unwatch': {
          if (rest === 'all') this.watches.length = 0;
          else {
            const t = formatPath(this.#path(rest || undefined));
            const k = this.watches.findIndex((w) => w.text === t);
            if (k < 0) { out.push(`not watching ${t}`); break; }
            this.watches.splice(k, 1);
          }
          out.push(`watching ${this.watches.length ? this.watches.map((w) => w.text).join(', ') : 'nothing'}`);
          break;
        }
        case 'break': case 'br': {
          if (!args[0]) { out.push('break: expected a bpf command, an event kind, an errno or error'); break; }
          const name = breakName(args[0]);
          if (name === undefined) {
            out.push(`break: ${JSON.stringify(args[0])} is not a bpf command (PROG_ATTACH), an event kind (${EVENT_KINDS.join(', ')}), an errno (EBADF) or error`);
            break;
          }
          this.breaks.add(name);
          out.push(`breakpoints: ${[...this.breaks].join(', ')}`);
          break;
        }
        case 'delete': case 'd': {
          if (args[0] === 'all' || !args[0]) this.breaks.clear();
          else if (!this.breaks.delete(breakName(args[0]) ?? args[0].toUpperCase())) { out.push(`delete: no breakpoint ${args[0]}`); break; }
          out.push(`breakpoints: ${[...this.breaks].join(', ') || 'none'}`);
          break;
        }
        case 'info': case 'where': {
          out.push(this.#where());
          out.push(`breakpoints: ${[...this.breaks].join(', ') || 'none'}`);
          out.push(`watches: ${this.watches.map((w) => w.text).join(', ') || 'none'}`);
          break;
        }
        case 'changes': {
          const i = args[0] === undefined ? s.position - 1 : Number(args[0]);
          if (!Number.isInteger(i) || i < 0 || i >= s.length) { out.push(`changes: expected an event 0..${s.length - 1}`); break; }
          out.push(`event ${i}: ${formatCall(s.event(i))} ${formatResult(s.result(i))}`);
          const lines = s.changesOf(i);
          if (!lines.length) out.push('  (nothing)');
          for (const d of lines) out.push(`  ${formatDiffLine(d)}`);
          break;
        }
        case 'blame': out.push(...blame(s, this.#path(rest || undefined), s.position)); break;
        case 'show': out.push(showState(s.state).trimEnd()); break;
        case 'help': case 'h': case '?': out.push(DEBUG_HELP); break;
        case 'quit': case 'q': case 'exit': this.done = true; break;
        default: out.push(`unknown command ${JSON.stringify(cmd)} (help lists them)`);
      }
    } catch (e) {
      if (e instanceof PathError) out.push(e.message);
      else throw e;
    }
    return out;
  }
}

export async function debugCommand(args: string[]): Promise<number> {
  const p = parseArgs('debug', args, []);
  if (p.positional.length !== 1) throw new CliError('debug: expected one trace file (bpfsim debug TRACE)', 2);
  const trace = openTrace(p.positional[0]);
  warnStop(trace);
  const dbg = new Debugger(new Session(trace));
  const tty = !!process.stdin.isTTY;
  const write = (lines: string[]) => { if (lines.length) process.stdout.write(lines.join('\n') + '\n'); };
  write([`bpfsim debug: ${trace.length} events${trace.header.name ? ` (${trace.header.name})` : ''}; help lists the commands`, ...dbg.exec('where')]);
  const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
  if (tty) { rl.setPrompt('(bpfsim) '); rl.prompt(); }
  for await (const line of rl) {
    write(dbg.exec(line));
    if (dbg.done) break;
    if (tty) rl.prompt();
  }
  rl.close();
  return 0;
}
