// struct __sk_buff as a tc (SCHED_CLS / SCHED_ACT) program sees it. The kernel's verifier
// rewrites each ctx access into loads from the sk_buff (convert_ctx_access); here the fields
// live in a 192-byte image of the uapi struct, kept current by the skb model (skb.ts), and
// data / data_meta / data_end read as packet pointers. Which accesses are allowed follows
// tc_cls_act_is_valid_access and bpf_skb_is_valid_access (net/core/filter.c).

export const SKB = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24,
  vlan_proto: 28, priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb: 48, hash: 68,
  tc_classid: 72, data: 76, data_end: 80, napi_id: 84, family: 88, remote_ip4: 92, local_ip4: 96,
  remote_ip6: 100, local_ip6: 116, remote_port: 132, local_port: 136, data_meta: 140, flow_keys: 144,
  tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168, gso_size: 176, tstamp_type: 180, hwtstamp: 184,
} as const;
/** sizeof(struct __sk_buff) */
export const SKB_SIZE = 192;

const inRange = (off: number, start: number, end: number) => off >= start && off < end;

/** Why a tc program may not make this ctx access, or undefined when it may. */
export function ctxAccessDenied(off: number, size: number, write: boolean): string | undefined {
  if (off < 0 || off >= SKB_SIZE) return 'outside struct __sk_buff';
  if (off % size !== 0) return 'misaligned';
  if (write) {
    const ok = inRange(off, SKB.mark, SKB.mark + 4) || inRange(off, SKB.tc_index, SKB.tc_index + 4) ||
      inRange(off, SKB.priority, SKB.priority + 4) || inRange(off, SKB.tc_classid, SKB.tc_classid + 4) ||
      inRange(off, SKB.cb, SKB.cb + 20) || inRange(off, SKB.tstamp, SKB.tstamp + 8) ||
      inRange(off, SKB.queue_mapping, SKB.queue_mapping + 4);
    if (!ok) return 'field is read-only';
  }
  if (inRange(off, SKB.family, SKB.local_port + 4)) return 'socket fields are not for tc programs';
  if (inRange(off, SKB.cb, SKB.cb + 20)) return off + size > SKB.cb + 20 ? 'past cb[4]' : undefined;
  if (off === SKB.data || off === SKB.data_end || off === SKB.data_meta) return size === 4 ? undefined : 'packet pointers are read with 4-byte loads';
  if (inRange(off, SKB.data, SKB.data + 4) || inRange(off, SKB.data_end, SKB.data_end + 4) || inRange(off, SKB.data_meta, SKB.data_meta + 4)) return 'packet pointers are read with 4-byte loads';
  if (inRange(off, SKB.flow_keys, SKB.flow_keys + 8)) return 'flow_keys is for flow dissectors';
  if (inRange(off, SKB.hwtstamp, SKB.hwtstamp + 8)) return write || size !== 8 ? 'hwtstamp is a read-only u64' : undefined;
  if (inRange(off, SKB.tstamp, SKB.tstamp + 8)) return size !== 8 ? 'tstamp is a u64' : undefined;
  if (inRange(off, SKB.sk, SKB.sk + 8)) return write || size !== 8 ? 'sk is a read-only pointer' : undefined;
  if (inRange(off, SKB.tstamp_type, SKB.hwtstamp)) return 'tstamp_type and padding';
  if (write) return size !== 4 ? 'fields are written whole' : undefined;
  return size > 4 ? 'fields are u32' : undefined;
}

/** ctxAccessDenied's verdicts for every (off, size 1/2/4/8, read/write), computed once: a table lookup per access. */
const ALLOWED = (() => {
  const t = new Uint8Array(SKB_SIZE * 16);
  for (let off = 0; off < SKB_SIZE; off++) for (const size of [1, 2, 4, 8]) {
    t[off * 16 + size * 2] = ctxAccessDenied(off, size, false) === undefined ? 1 : 0;
    t[off * 16 + size * 2 + 1] = ctxAccessDenied(off, size, true) === undefined ? 1 : 0;
  }
  return t;
})();

/** Whether ctxAccessDenied(off, size, write) is undefined. */
export function ctxAccessAllowed(off: number, size: number, write: boolean): boolean {
  return off >= 0 && off < SKB_SIZE && (size === 1 || size === 2 || size === 4 || size === 8) && ALLOWED[off * 16 + size * 2 + (write ? 1 : 0)] === 1;
}
