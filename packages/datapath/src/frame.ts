// A batch's packet memory (Machine.pktBuf), reused from packet to packet: each packet's frame is
// copied in from a pristine decoded copy (pktOrig), and compared with it afterwards to tell
// whether the programs changed it. A packet whose frame is the previous one's hex string, in a
// buffer nothing wrote to, needs neither decoding nor copying.
import { bytesToHex as toHex, hexInto } from './hex.ts';
import type { Machine } from './machine.ts';
import { packetRegion } from './skb.ts';

/** Puts the frame `hex` in the machine's packet memory (m.pkt, m.pktBuf); returns its length. */
export function framePacket(m: Machine, hex: string): number {
  const n = hex.length >>> 1;
  // The common case, checked before anything else: the same frame, unwritten, still in place.
  if (hex === m.frameHex && !m.pktDirty && m.pkt.len === n && m.pkt.u8 === m.pktBuf) return n;
  return reframe(m, hex, n);
}

function reframe(m: Machine, hex: string, n: number): number {
  if (m.pktBuf.length < n) m.growPacket(n);
  const buf = m.pktBuf, orig = m.pktOrig;
  if (hex !== m.frameHex) {
    // Decode once into the pristine copy; the packet memory gets a copy of it.
    hexInto(hex, orig);
    m.frameHex = hex;
    m.pktDirty = true;
  }
  if (m.pkt.u8 !== buf) { m.setPacket(packetRegion(buf)); m.pktDirty = true; }
  if (m.pktDirty || m.pkt.len !== n) { // else buf still holds the same frame, unwritten
    const w = n >>> 2, a = m.pktBuf32, b = m.pktOrig32;
    for (let k = 0; k < w; k++) a[k] = b[k];
    for (let i = w << 2; i < n; i++) buf[i] = orig[i];
    m.pktDirty = false;
  }
  m.pkt.len = n;
  return n;
}

/** The frame after the programs, when they changed it (the frame came in as `hex`). */
export function changed(m: Machine, hex: string): string | undefined {
  // Nothing wrote the packet and no helper replaced or resized it.
  if (!m.pktDirty && m.pkt.u8 === m.pktBuf && m.pkt.len === hex.length >>> 1) return undefined;
  return compared(m, hex);
}

function compared(m: Machine, hex: string): string | undefined {
  const len = m.pkt.len, now = m.pkt.u8, was = m.pktOrig;
  if (len === hex.length >>> 1) {
    let i = 0;
    if (now === m.pktBuf) { // a word at a time while the packet is still the machine's buffer
      const w = len >>> 2, a = m.pktBuf32, b = m.pktOrig32;
      let k = 0;
      while (k < w && a[k] === b[k]) k++;
      i = k << 2;
    }
    while (i < len && now[i] === was[i]) i++;
    if (i === len) return undefined;
  }
  return toHex(now.subarray(0, len));
}
