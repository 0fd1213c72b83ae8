// One request at a time over a byte stream pair; answers are length-prefixed frames.
import type { Readable, Writable } from 'node:stream';

export class Channel {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private closed: Error | undefined;
  /** Settles when the answer stream ends: the helper is gone. */
  readonly ended: Promise<void>;

  constructor(private readonly out: Writable, input: Readable, private readonly label: string) {
    let ended!: () => void;
    this.ended = new Promise((resolve) => { ended = resolve; });
    input.on('data', (c: Buffer) => { this.chunks.push(c); this.size += c.length; this.pump(); });
    input.on('end', () => { ended(); this.fail(new Error(`${this.label}: the helper closed its answer channel`)); });
    input.on('close', () => ended());
    input.on('error', (e) => this.fail(new Error(`${this.label}: ${e.message}`)));
    out.on('error', (e) => this.fail(new Error(`${this.label}: ${e.message}`)));
  }

  /** Sends one framed request and resolves with the answer's payload. */
  request(frame: Buffer): Promise<Buffer> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.waiting) return Promise.reject(new Error(`${this.label}: a request is already in flight`));
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.out.write(frame);
      this.pump();
    });
  }

  /** Fails the request in flight and every later one. */
  fail(e: Error): void {
    if (!this.closed) this.closed = e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }

  destroy(): void {
    this.out.destroy();
  }

  private pump(): void {
    if (!this.waiting || this.size < 4) return;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const len = all.readUInt32LE(0);
    if (all.length < 4 + len) { this.chunks = [all]; return; }
    const payload = Buffer.from(all.subarray(4, 4 + len));
    const rest = all.subarray(4 + len);
    this.chunks = rest.length ? [rest] : [];
    this.size = rest.length;
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(payload);
  }
}
