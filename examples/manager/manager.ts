// A small tc program manager, the way Cilium or bpfman keep a policy on tcx: it keeps the current
// version of its program attached on the ingress of each device it manages, attaches it in front on
// a new device, and on upgrade puts the new version in and takes the old one out. When its process
// is restarted it finds its programs again by name (mgr_v1, mgr_v2, ...) on the chains.
//
// It comes in two builds. The buggy one upgrades as many managers did before tcx had REPLACE:
// attach the new version in front (BPF_F_BEFORE), query the chain, and detach the program now in
// second place, "the old one, since ours is always first". Another process that put its own
// program in front of ours (BPF_F_BEFORE too), or one that does so between our attach and our
// query, breaks that assumption: the manager detaches the other process's program (or its own new
// version) and leaves its old version attached beside the new one. The fixed build never reasons
// by position: it swaps the old version for the new one in place with BPF_F_REPLACE, naming the old
// program by id, with the revision it queried as expected_revision, and queries again when the
// chain moved in between (-ESTALE).
import { BPF_F_BEFORE, BPF_F_REPLACE, errno, type Insn } from '@bpfsim/events';
import { libbpf, type Kernel, type LibBpf } from '@bpfsim/kernel';

/** Its programs' names: mgr_v1, mgr_v2, ... */
export const PREFIX = 'mgr_v';
export const MANAGER_PID = 100;

export interface ManagerOptions {
  /** The devices it manages, by name. */
  readonly devices: readonly string[];
  /** The fixed build (default: the buggy one). */
  readonly fixed?: boolean;
  readonly pid?: number;
}

interface Installed { readonly ifindex: number; readonly prog_id: number; readonly version: number }

/** The policy, version v: passes every packet on to the next program (TCX_NEXT). */
export function policy(v: number): Insn[] {
  return [
    { code: 0xb7, dst_reg: 1, src_reg: 0, off: 0, imm: v }, // r1 = v (the version, to tell builds apart)
    { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: -1 }, // r0 = TCX_NEXT
    { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, // exit
  ];
}

export class TcManager {
  readonly pid: number;
  readonly devices: readonly string[];
  readonly fixed: boolean;
  /** The version it runs (0: none loaded yet) and the fd of that program. */
  version = 0;
  #prog = -1;
  #progId = 0;
  /** What it attached where, by device name. */
  readonly installed = new Map<string, Installed>();
  readonly #kernel: Kernel;
  #bpf: LibBpf;

  constructor(kernel: Kernel, o: ManagerOptions) {
    this.#kernel = kernel;
    this.pid = o.pid ?? MANAGER_PID;
    this.devices = o.devices;
    this.fixed = o.fixed ?? false;
    this.#bpf = libbpf(kernel, this.pid);
  }

  /** A device's ifindex, as netlink would tell it. */
  ifindexOf(name: string): number | undefined {
    for (const d of Object.values(this.#kernel.state.netdevs)) if (d.name === name) return d.ifindex;
    return undefined;
  }

  /** Makes every device present run the current version (loading version 1 the first time). */
  reconcile(): void {
    if (this.version === 0 && !this.#load(1)) return;
    for (const name of this.devices) {
      const ifindex = this.ifindexOf(name);
      const cur = this.installed.get(name);
      if (ifindex === undefined) { this.installed.delete(name); continue; }
      if (!cur || cur.ifindex !== ifindex) this.#attachFirst(name, ifindex);
      else if (cur.version !== this.version) (this.fixed ? this.#swapFixed(name, ifindex, cur) : this.#swapBuggy(name, ifindex));
    }
  }

  /** Loads the next version and rolls it out. */
  upgrade(): void {
    if (this.version === 0) return this.reconcile();
    const old = this.#prog;
    if (!this.#load(this.version + 1)) return;
    if (old >= 0) this.#bpf.close(old);
    this.reconcile();
  }

  /**
   * The process was restarted: its fds and memory are gone. Finds its programs on the chains by
   * name, takes the newest version found as current, and reconciles.
   */
  restart(): void {
    this.#bpf = libbpf(this.#kernel, this.pid);
    this.installed.clear();
    this.version = 0;
    this.#prog = -1;
    let newest = 0;
    for (const name of this.devices) {
      const ifindex = this.ifindexOf(name);
      if (ifindex === undefined) continue;
      for (const id of this.#query(ifindex).ids) {
        const fd = this.#bpf.bpf_prog_get_fd_by_id(id);
        if (fd < 0) continue;
        const info: Record<string, unknown> = {};
        this.#bpf.bpf_obj_get_info_by_fd(fd, info, { len: 232 });
        const v = typeof info.name === 'string' && info.name.startsWith(PREFIX) ? Number(info.name.slice(PREFIX.length)) : 0;
        if (v > 0 && !this.installed.has(name)) this.installed.set(name, { ifindex, prog_id: id, version: v });
        if (v > newest) {
          if (this.#prog >= 0) this.#bpf.close(this.#prog);
          newest = v; this.#prog = fd; this.#progId = id;
        } else this.#bpf.close(fd);
      }
    }
    this.version = newest;
    this.reconcile();
  }

  #load(v: number): boolean {
    const fd = this.#bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', `${PREFIX}${v}`, 'GPL', policy(v), 3);
    if (fd < 0) return false;
    const info: Record<string, unknown> = {};
    this.#bpf.bpf_obj_get_info_by_fd(fd, info, { len: 232 });
    this.#prog = fd;
    this.#progId = info.id as number;
    this.version = v;
    return true;
  }

  #query(ifindex: number): { ids: number[]; revision: number; ret: number } {
    const q = { count: 64, prog_ids: [] as number[], revision: 0 };
    const ret = this.#bpf.bpf_prog_query_opts(ifindex, 'BPF_TCX_INGRESS', q);
    return { ids: ret === 0 ? q.prog_ids : [], revision: q.revision, ret };
  }

  /** A device without our program: attach it in front of everything. */
  #attachFirst(name: string, ifindex: number): void {
    if (this.#bpf.bpf_prog_attach_opts(this.#prog, ifindex, 'BPF_TCX_INGRESS', { flags: BPF_F_BEFORE }) === 0) {
      this.installed.set(name, { ifindex, prog_id: this.#progId, version: this.version });
    }
  }

  /** BUG: attaches the new version in front, then detaches whatever is second, "our old version". */
  #swapBuggy(name: string, ifindex: number): void {
    if (this.#bpf.bpf_prog_attach_opts(this.#prog, ifindex, 'BPF_TCX_INGRESS', { flags: BPF_F_BEFORE }) !== 0) return;
    this.installed.set(name, { ifindex, prog_id: this.#progId, version: this.version });
    const { ids } = this.#query(ifindex);
    const old = ids[1]; // ours was first, so after putting the new one in front the old one is second
    if (old === undefined) return;
    const fd = this.#bpf.bpf_prog_get_fd_by_id(old);
    if (fd < 0) return;
    this.#bpf.bpf_prog_detach_opts(fd, ifindex, 'BPF_TCX_INGRESS');
    this.#bpf.close(fd);
  }

  /** Swaps the old version for the new in place, by identity, at the revision it looked at; again if the chain moved. */
  #swapFixed(name: string, ifindex: number, cur: Installed): void {
    for (let attempt = 0; attempt < 8; attempt++) {
      const { ids, revision, ret } = this.#query(ifindex);
      if (ret < 0) return;
      if (!ids.includes(cur.prog_id)) {
        // Someone took our program out: put the current version back in front.
        const r = this.#bpf.bpf_prog_attach_opts(this.#prog, ifindex, 'BPF_TCX_INGRESS', { flags: BPF_F_BEFORE, expected_revision: revision });
        if (r === -errno.ESTALE) continue;
        if (r === 0) this.installed.set(name, { ifindex, prog_id: this.#progId, version: this.version });
        return;
      }
      const old = this.#bpf.bpf_prog_get_fd_by_id(cur.prog_id);
      if (old < 0) continue; // it went away since the query: look again
      const r = this.#bpf.bpf_prog_attach_opts(this.#prog, ifindex, 'BPF_TCX_INGRESS', { flags: BPF_F_REPLACE, replace_fd: old, expected_revision: revision });
      this.#bpf.close(old);
      if (r === -errno.ESTALE) continue;
      if (r === 0) this.installed.set(name, { ifindex, prog_id: this.#progId, version: this.version });
      return;
    }
  }
}
