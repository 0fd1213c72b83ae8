// The sk_buff a tc program runs on: the packet bytes (a region the program may read and write
// between data and data_end) and the struct __sk_buff image (memory/ctx.ts). Building one
// follows what the kernel has done by the time tcx runs: eth_type_trans set protocol and
// pkt_type, the mac header is pushed back so data points at the Ethernet header.
import { CHECKSUM_NONE, type Machine } from './machine.ts';
import { memRegion, type Region } from './memory/region.ts';
import { SKB, SKB_SIZE } from './memory/ctx.ts';

export const ETH_HLEN = 14;
/** PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST */
export const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3;

/** The fields of struct __sk_buff a packet may set; the rest follow from the packet. */
export interface SkbFields {
  readonly mark?: number;
  readonly priority?: number;
  readonly ingress_ifindex?: number;
  readonly ifindex?: number;
  readonly queue_mapping?: number;
  readonly hash?: number;
  readonly tc_index?: number;
  readonly tc_classid?: number;
  readonly cb?: readonly number[];
  readonly vlan_present?: number;
  readonly vlan_tci?: number;
  readonly vlan_proto?: number;
  readonly napi_id?: number;
  /** ns, as a decimal string or number (u64). */
  readonly tstamp?: number | string;
  readonly hwtstamp?: number | string;
  readonly wire_len?: number;
  readonly gso_segs?: number;
  readonly gso_size?: number;
  readonly pkt_type?: number;
  readonly protocol?: number;
}

/**
 * eth_type_trans's protocol (as the big-endian u16 __sk_buff.protocol holds, read on a
 * little-endian machine) and pkt_type, for a device whose address is `devAddr` (6 bytes).
 */
export function ethTypeTrans(pkt: Uint8Array, devAddr: Uint8Array): { protocol: number; pkt_type: number } {
  let pktType = PACKET_HOST;
  if (pkt[0] & 1) pktType = isBroadcast(pkt) ? PACKET_BROADCAST : PACKET_MULTICAST;
  else for (let i = 0; i < 6; i++) if (pkt[i] !== devAddr[i]) { pktType = PACKET_OTHERHOST; break; }
  return { protocol: ethProtocol(pkt, pkt.length), pkt_type: pktType };
}

/** Packet memory with room to grow (helpers that change the length replace the region). */
export function packetRegion(bytes: Uint8Array): Region {
  return memRegion('packet', bytes);
}

const u64 = (v: number | string | undefined) => BigInt(v ?? 0);

/** Fills the machine's __sk_buff image and packet for one run. */
export function loadSkb(m: Machine, pkt: Uint8Array, f: SkbFields): void {
  m.setPacket(packetRegion(pkt));
  m.csumLevel = CHECKSUM_NONE;
  loadSkbFields(m, pkt.length, f);
}

/** Fills the __sk_buff image for a packet of `len` bytes already in m.pkt. */
export function loadSkbFields(m: Machine, len: number, f: SkbFields): void {
  const c = m.cdv;
  m.ctx.fill(0, 0, SKB_SIZE);
  m.ctxDirty = true;
  c.setUint32(SKB.len, len, true);
  c.setUint32(SKB.pkt_type, f.pkt_type ?? 0, true);
  c.setUint32(SKB.mark, f.mark ?? 0, true);
  c.setUint32(SKB.queue_mapping, f.queue_mapping ?? 0, true);
  c.setUint32(SKB.protocol, f.protocol ?? 0, true);
  c.setUint32(SKB.vlan_present, f.vlan_present ?? 0, true);
  c.setUint32(SKB.vlan_tci, f.vlan_tci ?? 0, true);
  c.setUint32(SKB.vlan_proto, f.vlan_proto ?? 0, true);
  c.setUint32(SKB.priority, f.priority ?? 0, true);
  c.setUint32(SKB.ingress_ifindex, f.ingress_ifindex ?? 0, true);
  c.setUint32(SKB.ifindex, f.ifindex ?? 0, true);
  c.setUint32(SKB.tc_index, f.tc_index ?? 0, true);
  if (f.cb !== undefined) for (let i = 0; i < 5 && i < f.cb.length; i++) c.setUint32(SKB.cb + 4 * i, f.cb[i] >>> 0, true);
  c.setUint32(SKB.hash, f.hash ?? 0, true);
  c.setUint32(SKB.tc_classid, f.tc_classid ?? 0, true);
  c.setUint32(SKB.napi_id, f.napi_id ?? 0, true);
  if (f.tstamp !== undefined) c.setBigUint64(SKB.tstamp, u64(f.tstamp), true);
  c.setUint32(SKB.wire_len, f.wire_len ?? len, true);
  c.setUint32(SKB.gso_segs, f.gso_segs ?? 0, true);
  c.setUint32(SKB.gso_size, f.gso_size ?? 0, true);
  if (f.hwtstamp !== undefined) c.setBigUint64(SKB.hwtstamp, u64(f.hwtstamp), true);
}

/** On a little-endian host the ctx's aligned u32 fields are words of m.ctx32: cheaper than DataView calls. */
const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** __sk_buff's u32 at off (a multiple of 4). */
export const skbU32 = LE ? (m: Machine, off: number) => m.ctx32[off >> 2] >>> 0 : (m: Machine, off: number) => m.cdv.getUint32(off, true);
/** Sets it, for the batch's own per-packet set-up (pipeline.ts): not a write that dirties ctx. */
const putSkbU32 = LE ? (m: Machine, off: number, v: number) => { m.ctx32[off >> 2] = v; } : (m: Machine, off: number, v: number) => m.cdv.setUint32(off, v >>> 0, true);
export const setSkbU32 = (m: Machine, off: number, v: number) => { putSkbU32(m, off, v); m.ctxDirty = true; };

/**
 * The __sk_buff of a batch's packet (frame `hex`, n bytes in m.pktBuf) with no fields given
 * (pipeline.ts): eth_type_trans against a device whose own address is not modelled (unicast
 * frames count as PACKET_HOST: ethTypeTrans with the frame's own destination as the device's
 * address), on a zeroed ctx. A clean ctx (Machine.ctxDirty) holds only the fields set here, and
 * when they were set for the same frame and device (Machine.skbFrame) they are already right.
 */
export function putBatchSkb(m: Machine, hex: string, n: number, ingress: boolean, ifindex: number): void {
  if (m.ctxDirty || hex !== m.skbFrame || ifindex !== m.skbIfindex || ingress !== m.skbIngress) setUpBatchSkb(m, hex, n, ingress, ifindex);
}

function setUpBatchSkb(m: Machine, hex: string, n: number, ingress: boolean, ifindex: number): void {
  if (m.ctxDirty) { m.ctx.fill(0, 0, SKB_SIZE); m.ctxDirty = false; }
  const d = m.pktBuf;
  const pktType = ingress && (d[0] & 1) !== 0 ? (isBroadcast(d) ? PACKET_BROADCAST : PACKET_MULTICAST) : PACKET_HOST;
  putSkbBasics(m, n, pktType, ethProtocol(d, n), ingress ? ifindex : 0, ifindex);
  m.skbFrame = hex;
  m.skbIfindex = ifindex;
  m.skbIngress = ingress;
}

function isBroadcast(d: Uint8Array): boolean {
  return d[0] === 0xff && d[1] === 0xff && d[2] === 0xff && d[3] === 0xff && d[4] === 0xff && d[5] === 0xff;
}

/**
 * eth_type_trans's protocol as __sk_buff.protocol holds it (network order in a u32 read on a
 * little-endian machine): the EtherType from ETH_P_802_3_MIN (0x0600) up, else ETH_P_802_3 for
 * raw IPX (0xffff after the header), else ETH_P_802_2.
 */
function ethProtocol(d: Uint8Array, n: number): number {
  const proto = (d[12] << 8) | d[13];
  const q = proto >= 0x0600 ? proto : n >= 16 && d[14] === 0xff && d[15] === 0xff ? 0x0001 : 0x0004;
  return ((q & 0xff) << 8) | (q >>> 8);
}

/** The fields putBatchSkb sets, words at a time where it can (the other byte order's path apart: it keeps this one small enough to inline). */
function putSkbBasics(m: Machine, len: number, pktType: number, protocol: number, ingressIfindex: number, ifindex: number): void {
  if (!LE) { putSkbBasicsBE(m, len, pktType, protocol, ingressIfindex, ifindex); return; }
  const w = m.ctx32;
  w[SKB.len >> 2] = len;
  w[SKB.pkt_type >> 2] = pktType;
  w[SKB.protocol >> 2] = protocol;
  w[SKB.ingress_ifindex >> 2] = ingressIfindex;
  w[SKB.ifindex >> 2] = ifindex;
  w[SKB.wire_len >> 2] = len;
}

function putSkbBasicsBE(m: Machine, len: number, pktType: number, protocol: number, ingressIfindex: number, ifindex: number): void {
  for (const [off, v] of [[SKB.len, len], [SKB.pkt_type, pktType], [SKB.protocol, protocol], [SKB.ingress_ifindex, ingressIfindex], [SKB.ifindex, ifindex], [SKB.wire_len, len]]) putSkbU32(m, off, v);
}
