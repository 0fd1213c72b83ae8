// BPF_PROG_TEST_RUN cases for SCHED_CLS programs: what the recorder (record-testrun.ts) asks the
// live kernel, and testrun.test.ts asks testRun(); the kernel's answers are fixtures/datapath/testrun.json.
import { SKB } from '../../src/memory/ctx.ts';

export interface TestRunCase {
  readonly name: string;
  readonly asm: string;
  readonly data_in: string;
  /** hex, or undefined for no ctx_in */
  readonly ctx_in?: string;
  /** 0: no buffer; -1: a buffer with data_size_out 0; n: a buffer of n bytes. */
  readonly data_out: number;
  readonly ctx_out: number;
  readonly repeat: number;
  readonly flags?: number;
  readonly cpu?: number;
  readonly batch_size?: number;
  /** An 8-byte array map (1 entry) the program may use as map fd 0; its value is read back after the run. */
  readonly counter?: true;
}

const hex = (n: number, bytes = 4) => Array.from({ length: bytes }, (_, i) => (Number((BigInt(n) >> BigInt(8 * i)) & 0xffn)).toString(16).padStart(2, '0')).join('');
/** A __sk_buff image with the given u32 fields set. */
export function ctxWith(fields: Record<number, number>, size = 192): string {
  const b = new Array<string>(size).fill('00');
  for (const [off, v] of Object.entries(fields)) {
    const h = hex(v);
    for (let i = 0; i < 4; i++) b[Number(off) + i] = h.slice(2 * i, 2 * i + 2);
  }
  return b.join('');
}

const ETH_IP_UDP =
  '0000000000000200000000010800' + // dst 00:..:00 (the loopback's address), src, IPv4
  '45000028abcd40004011' + '0000' + 'c0a80001' + 'c0a80002' + // IPv4, csum 0 (set below)
  '30393039' + '0014' + '0000' + '68656c6c6f20776f726c6421'; // UDP 12345 -> 12345, payload
const BCAST = 'ffffffffffff' + ETH_IP_UDP.slice(12);
const OTHER = '020000000002' + ETH_IP_UDP.slice(12);
const ZERO14 = '00'.repeat(14);

const RET7 = 'mov %r0, 7\nexit';
const load = (size: string, off: number) => `ldx${size} %r0, [%r1+${off}]\nexit`;
const U32_FIELDS = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 84, 160, 164, 176];
const CTX_FULL = ctxWith({ [SKB.mark]: 5, [SKB.priority]: 7, [SKB.ingress_ifindex]: 3, [SKB.ifindex]: 1, [SKB.cb]: 11, [SKB.cb + 16]: 15, [SKB.wire_len]: 100, [SKB.gso_segs]: 2, [SKB.gso_size]: 1400, [SKB.tstamp]: 0x9abcdef0, [SKB.tstamp + 4]: 0x12345678, [SKB.hwtstamp]: 77 });

const WRITE_CTX = `
mov %r2, 0x11
stxw [%r1+${SKB.mark}], %r2
stw [%r1+${SKB.priority}], 0x22
stw [%r1+${SKB.cb}], 0x31
stw [%r1+${SKB.cb + 16}], 0x35
stw [%r1+${SKB.tc_index}], 0x33
stw [%r1+${SKB.tc_classid}], 0x44
stw [%r1+${SKB.queue_mapping}], 0x55
lddw %r2, 0x123456789
stxdw [%r1+${SKB.tstamp}], %r2
mov %r0, 0
exit`;

// Direct packet access: bounds check, then rewrite the IPv4 TTL and the UDP destination port.
const WRITE_PKT = `
ldxw %r2, [%r1+${SKB.data}]
ldxw %r3, [%r1+${SKB.data_end}]
mov %r4, %r2
add %r4, 42
jgt %r4, %r3, out
stb [%r2+22], 7
sth [%r2+36], 0x5000
mov %r0, 1
exit
out:
mov %r0, 2
exit`;

// bpf_skb_store_bytes(skb, 30, &new_daddr, 4, 0) then bpf_l3_csum_replace(skb, 24, old, new, 4)
// and bpf_l4_csum_replace(skb, 40, old, new, BPF_F_PSEUDO_HDR | 4), returning the sum of the results.
const NAT = `
mov %r6, %r1
ldxw %r2, [%r1+${SKB.data}]
ldxw %r3, [%r1+${SKB.data_end}]
mov %r4, %r2
add %r4, 42
jgt %r4, %r3, out
ldxw %r7, [%r2+30]
stw [%r10-4], 0x0501a8c0
mov %r1, %r6
mov %r2, 30
mov %r3, %r10
add %r3, -4
mov %r4, 4
mov %r5, 0
call 9
mov %r8, %r0
mov %r1, %r6
mov %r2, 24
mov %r3, %r7
ldxw %r4, [%r10-4]
mov %r5, 4
call 10
add %r8, %r0
mov %r1, %r6
mov %r2, 40
mov %r3, %r7
ldxw %r4, [%r10-4]
mov %r5, 0x14
call 11
add %r8, %r0
mov %r0, %r8
exit
out:
mov %r0, -1
exit`;

// bpf_csum_diff over 8 bytes from the stack, folded results of the three forms.
const CSUM_DIFF = (form: 'both' | 'to' | 'from') => `
stdw [%r10-8], 0
lddw %r2, 0x0102a8c0fffe1234
stxdw [%r10-16], %r2
lddw %r2, 0x0a0b0c0d11223344
stxdw [%r10-8], %r2
mov %r1, %r10
add %r1, -16
mov %r2, ${form === 'to' ? 0 : 8}
mov %r3, %r10
add %r3, -8
mov %r4, ${form === 'from' ? 0 : 8}
mov %r5, 0x1234
call 28
exit`;

// bpf_skb_load_bytes of the IPv4 addresses (8 bytes at 26) xor-folded; then past the end (-EFAULT).
const LOAD_BYTES = `
mov %r6, %r1
mov %r2, 26
mov %r3, %r10
add %r3, -8
mov %r4, 8
call 26
jne %r0, 0, out
ldxw %r0, [%r10-8]
ldxw %r1, [%r10-4]
xor %r0, %r1
exit
out:
exit`;
const LOAD_BYTES_PAST_END = `
mov %r2, 40
mov %r3, %r10
add %r3, -8
mov %r4, 8
call 26
exit`;

// An array map counter: lookup key 0, atomic add 1, return the old value.
const COUNTER = `
stw [%r10-4], 0
ldmapfd %r1, 0
mov %r2, %r10
add %r2, -4
call 1
jeq %r0, 0, miss
mov %r1, 1
lock fetch add [%r0+0], %r1
mov %r0, %r1
exit
miss:
mov %r0, -1
exit`;


// One helper call with r2..r5 as given (r1 = ctx), returning what the helper returned.
const call = (id: number, ...args: number[]) => [...args.map((a, i) => `mov %r${i + 2}, ${a}`), `call ${id}`, 'exit'].join('\n');
// The same for helpers without a ctx argument: r1..r5 as given.
const call1 = (id: number, ...args: number[]) => [...args.map((a, i) => `mov %r${i + 1}, ${a}`), `call ${id}`, 'exit'].join('\n');

// bpf_skb_change_type(skb, t) (32), then skb->pkt_type: (ret << 8) | pkt_type.
const CHANGE_TYPE = (t: number) => `
mov %r6, %r1
mov %r2, ${t}
call 32
lsh %r0, 8
ldxw %r1, [%r6+${SKB.pkt_type}]
or %r0, %r1
exit`;

// bpf_skb_store_bytes(skb, off, &0x01020304, 4, flags)
const STORE_BYTES = (off: number, flags: number) => `
stw [%r10-8], 0x04030201
mov %r2, ${off}
mov %r3, %r10
add %r3, -8
mov %r4, 4
mov %r5, ${flags}
call 9
exit`;

// bpf_csum_level(skb, a) then bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY): (first << 16) ^ second.
const CSUM_LEVEL = (a: number) => `
mov %r6, %r1
mov %r2, ${a}
call 135
mov %r7, %r0
mov %r1, %r6
mov %r2, 0
call 135
lsh %r7, 16
xor %r0, %r7
exit`;

// bpf_trace_printk("hi %d %x\\n", 10, 7, 0x2a): the length it wrote.
const PRINTK = `
${[...'hi %d %x\n'].map((ch, i) => `stb [%r10-${16 - i}], ${ch.charCodeAt(0)}`).join('\n')}
${Array.from({ length: 16 - 9 }, (_, i) => `stb [%r10-${7 - i}], 0`).join('\n')}
mov %r1, %r10
add %r1, -16
mov %r2, 10
mov %r3, 7
mov %r4, 0x2a
call 6
exit`;

// bpf_map_update_elem(counter, &0, &0x1122334455667788, flags) / bpf_map_delete_elem(counter, &0) /
// bpf_map_lookup_elem(counter, &key) != NULL: what the helper returns.
const KEY0 = 'stw [%r10-4], 0\nldmapfd %r1, 0\nmov %r2, %r10\nadd %r2, -4';
const UPDATE = (flags: number) => `lddw %r3, 0x1122334455667788\nstxdw [%r10-16], %r3\n${KEY0}\nmov %r3, %r10\nadd %r3, -16\nmov %r4, ${flags}\ncall 2\nexit`;
const DELETE = `${KEY0}\ncall 3\nexit`;
const LOOKUP = (key: number) => `stw [%r10-4], ${key}\nldmapfd %r1, 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\nmov %r1, %r0\nmov %r0, 1\njne %r1, 0, +1\nmov %r0, 0\nexit`;

const c = (name: string, asm: string, data_in: string, o: Partial<TestRunCase> = {}): TestRunCase =>
  ({ name, asm, data_in, data_out: 0, ctx_out: 0, repeat: 1, ...o });

export const TESTRUN_CASES: readonly TestRunCase[] = [
  c('retval', RET7, ETH_IP_UDP, { data_out: 200, ctx_out: 192 }),
  c('too short (13 bytes)', RET7, '00'.repeat(13)),
  c('ETH_HLEN exactly', RET7, ZERO14, { data_out: 64, ctx_out: 192 }),
  c('largest accepted packet', RET7, '00'.repeat(3712), { data_out: 4000 }),
  c('one byte too many', RET7, '00'.repeat(3713)),
  c('data_out too small: ENOSPC', RET7, ETH_IP_UDP, { data_out: 4 }),
  c('data_out without size hint', RET7, ETH_IP_UDP, { data_out: -1 }),
  c('ctx_out too small: ENOSPC', RET7, ETH_IP_UDP, { ctx_out: 100 }),
  c('ctx_out of size 0', RET7, ETH_IP_UDP, { ctx_out: -1 }),
  c('ctx_out larger than __sk_buff', RET7, ETH_IP_UDP, { ctx_out: 300 }),
  c('ctx_in allowed fields', RET7, ETH_IP_UDP, { ctx_in: CTX_FULL, ctx_out: 192 }),
  c('ctx_in shorter than __sk_buff', RET7, ETH_IP_UDP, { ctx_in: ctxWith({ [SKB.mark]: 9 }, 12), ctx_out: 192 }),
  c('ctx_in with a zero tail', RET7, ETH_IP_UDP, { ctx_in: ctxWith({}, 256) }),
  c('ctx_in with a non-zero tail', RET7, ETH_IP_UDP, { ctx_in: ctxWith({ 200: 1 }, 256) }),
  c('ctx_in larger than a page', RET7, ETH_IP_UDP, { ctx_in: ctxWith({}, 4097) }),
  c('ctx_in wire_len below len', RET7, ETH_IP_UDP, { ctx_in: ctxWith({ [SKB.wire_len]: 20 }) }),
  c('ctx_in wire_len above GSO_LEGACY_MAX_SIZE', RET7, ETH_IP_UDP, { ctx_in: ctxWith({ [SKB.wire_len]: 65537 }) }),
  c('ctx_in gso_segs above GSO_MAX_SEGS', RET7, ETH_IP_UDP, { ctx_in: ctxWith({ [SKB.gso_segs]: 65536 }) }),
  c('ctx_in ifindex of no device', RET7, ETH_IP_UDP, { ctx_in: ctxWith({ [SKB.ifindex]: 99 }) }),
  c('too short and bad ctx_in', RET7, '00'.repeat(13), { ctx_in: ctxWith({ [SKB.len]: 1 }) }),
  ...[SKB.len, SKB.pkt_type, SKB.queue_mapping, SKB.protocol, SKB.vlan_present, SKB.tc_index, SKB.hash, SKB.tc_classid,
    SKB.data, SKB.napi_id, SKB.family, SKB.local_port, SKB.data_meta, SKB.sk, SKB.tstamp_type, 188].map((off) =>
    c(`ctx_in with field at ${off} set`, RET7, ETH_IP_UDP, { ctx_in: ctxWith({ [off]: 1 }) })),
  c('flags', RET7, ETH_IP_UDP, { flags: 1 }),
  c('cpu', RET7, ETH_IP_UDP, { cpu: 1 }),
  c('batch_size', RET7, ETH_IP_UDP, { batch_size: 1 }),
  c('repeat 0', RET7, ETH_IP_UDP, { repeat: 0 }),
  ...U32_FIELDS.flatMap((off) => [
    c(`read u32 at ${off}`, load('w', off), ETH_IP_UDP),
    c(`read u32 at ${off} with ctx_in`, load('w', off), BCAST, { ctx_in: CTX_FULL }),
    c(`read u32 at ${off} (other host)`, load('w', off), OTHER, { ctx_out: 192 }),
  ]),
  c('read tstamp', 'ldxdw %r0, [%r1+152]\nrsh %r0, 4\nexit', ETH_IP_UDP, { ctx_in: CTX_FULL }),
  c('read hwtstamp', 'ldxdw %r0, [%r1+184]\nexit', ETH_IP_UDP, { ctx_in: CTX_FULL }),
  c('narrow read len byte 1', load('b', 1), '00'.repeat(300)),
  c('narrow read len half 2', load('h', 2), '00'.repeat(300)),
  c('narrow read protocol byte 0', load('b', 16), ETH_IP_UDP),
  c('narrow read protocol byte 1', load('b', 17), ETH_IP_UDP),
  c('packet length', `ldxw %r2, [%r1+${SKB.data}]\nldxw %r3, [%r1+${SKB.data_end}]\nsub %r3, %r2\nmov %r0, %r3\nexit`, ETH_IP_UDP),
  c('write ctx fields', WRITE_CTX, ETH_IP_UDP, { ctx_out: 192 }),
  c('write ctx fields over ctx_in', WRITE_CTX, ETH_IP_UDP, { ctx_in: CTX_FULL, ctx_out: 192 }),
  c('write packet', WRITE_PKT, ETH_IP_UDP, { data_out: 200 }),
  c('write packet, repeat 3', WRITE_PKT, ETH_IP_UDP, { data_out: 200, repeat: 3 }),
  c('packet too short for the program', WRITE_PKT, ZERO14, { data_out: 200 }),
  c('nat with checksum helpers', NAT, ETH_IP_UDP, { data_out: 200 }),
  c('csum_diff from and to', CSUM_DIFF('both'), ETH_IP_UDP),
  c('csum_diff to only', CSUM_DIFF('to'), ETH_IP_UDP),
  c('csum_diff from only', CSUM_DIFF('from'), ETH_IP_UDP),
  c('skb_load_bytes', LOAD_BYTES, ETH_IP_UDP),
  c('skb_load_bytes past the end', LOAD_BYTES_PAST_END, ETH_IP_UDP),
  c('map counter', COUNTER, ETH_IP_UDP, { counter: true }),
  c('map counter, repeat 5', COUNTER, ETH_IP_UDP, { counter: true, repeat: 5 }),
  c('skb_change_type to PACKET_MULTICAST', CHANGE_TYPE(2), ETH_IP_UDP),
  c('skb_change_type to PACKET_OTHERHOST', CHANGE_TYPE(3), ETH_IP_UDP),
  c('skb_change_type to 4: EINVAL', CHANGE_TYPE(4), ETH_IP_UDP),
  c('redirect', call1(23, 1, 0), ETH_IP_UDP),
  c('redirect BPF_F_INGRESS', call1(23, 1, 1), ETH_IP_UDP),
  c('redirect bad flags', call1(23, 1, 2), ETH_IP_UDP),
  c('redirect_peer', call1(155, 1, 0), ETH_IP_UDP),
  c('redirect_peer with flags', call1(155, 1, 1), ETH_IP_UDP),
  c('redirect_neigh', call1(152, 1, 0, 0, 0), ETH_IP_UDP),
  c('redirect_neigh with flags', call1(152, 1, 0, 0, 1), ETH_IP_UDP),
  c('l3_csum_replace size 2', call(10, 24, 0x1234, 0xabcd, 2), ETH_IP_UDP, { data_out: 200 }),
  c('l3_csum_replace size 4', call(10, 24, 0x0100a8c0, 0x0500a8c0, 4), ETH_IP_UDP, { data_out: 200 }),
  c('l3_csum_replace by diff', call(10, 24, 0, 0x12345678, 0), ETH_IP_UDP, { data_out: 200 }),
  c('l3_csum_replace diff with from', call(10, 24, 1, 0x12345678, 0), ETH_IP_UDP, { data_out: 200 }),
  c('l3_csum_replace size 8: EINVAL', call(10, 24, 1, 2, 8), ETH_IP_UDP, { data_out: 200 }),
  c('l3_csum_replace bad flags', call(10, 24, 1, 2, 0x12), ETH_IP_UDP, { data_out: 200 }),
  c('l3_csum_replace odd offset', call(10, 25, 1, 2, 2), ETH_IP_UDP, { data_out: 200 }),
  c('l3_csum_replace past the end', call(10, 53, 1, 2, 2), ETH_IP_UDP, { data_out: 200 }),
  c('l4_csum_replace size 2', call(11, 40, 0x1234, 0xabcd, 2), ETH_IP_UDP, { data_out: 200 }),
  c('l4_csum_replace size 4 pseudo header', call(11, 40, 0x0100a8c0, 0x0500a8c0, 0x14), ETH_IP_UDP, { data_out: 200 }),
  c('l4_csum_replace by diff', call(11, 40, 0, 0x12345678, 0), ETH_IP_UDP, { data_out: 200 }),
  c('l4_csum_replace mangled 0 keeps a zero sum', call(11, 40, 0x1234, 0xabcd, 0x22), ETH_IP_UDP, { data_out: 200 }),
  c('l4_csum_replace mangled 0 on a set sum', call(11, 24, 0x1234, 0xabcd, 0x22), ETH_IP_UDP, { data_out: 200 }),
  c('l4_csum_replace BPF_F_IPV6', call(11, 40, 0x1234, 0xabcd, 0x82), ETH_IP_UDP, { data_out: 200 }),
  c('l4_csum_replace bad flags', call(11, 40, 1, 2, 0x102), ETH_IP_UDP, { data_out: 200 }),
  c('l4_csum_replace past the end', call(11, 54, 1, 2, 2), ETH_IP_UDP, { data_out: 200 }),
  c('csum_update', call(40, 0x1234), ETH_IP_UDP),
  c('csum_level query', CSUM_LEVEL(0), ETH_IP_UDP),
  c('csum_level inc, query', CSUM_LEVEL(1), ETH_IP_UDP),
  c('csum_level dec, query', CSUM_LEVEL(2), ETH_IP_UDP),
  c('csum_level reset, query', CSUM_LEVEL(3), ETH_IP_UDP),
  c('csum_level 4: EINVAL', CSUM_LEVEL(4), ETH_IP_UDP),
  c('skb_store_bytes BPF_F_INVALIDATE_HASH', STORE_BYTES(6, 2), ETH_IP_UDP, { data_out: 200 }),
  c('skb_store_bytes bad flags', STORE_BYTES(6, 4), ETH_IP_UDP, { data_out: 200 }),
  c('skb_store_bytes past the end', STORE_BYTES(51, 0), ETH_IP_UDP, { data_out: 200 }),
  c('skb_pull_data within', call(39, 54), ETH_IP_UDP),
  c('skb_pull_data past the end', call(39, 55), ETH_IP_UDP),
  c('trace_printk returns its length', PRINTK, ETH_IP_UDP),
  c('map update BPF_ANY', UPDATE(0), ETH_IP_UDP, { counter: true }),
  c('map update BPF_EXIST', UPDATE(2), ETH_IP_UDP, { counter: true }),
  c('map update BPF_NOEXIST on an array: EEXIST', UPDATE(1), ETH_IP_UDP, { counter: true }),
  c('map update bad flags: EINVAL', UPDATE(8), ETH_IP_UDP, { counter: true }),
  c('map delete on an array: EINVAL', DELETE, ETH_IP_UDP, { counter: true }),
  c('map lookup past max_entries: NULL', LOOKUP(1), ETH_IP_UDP, { counter: true }),
  c('map lookup within: a value', LOOKUP(0), ETH_IP_UDP, { counter: true }),
  c('returns -1', 'mov %r0, -1\nexit', ETH_IP_UDP),
  c('returns a 64-bit value', 'lddw %r0, 0x123456789abcdef0\nexit', ETH_IP_UDP),
];
