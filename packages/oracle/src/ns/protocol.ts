// What the runner sends into the namespace, and what comes back (one JSON line each way).
import type { Result } from '@bpfsim/events';
import type { NamespaceIds } from './setup.ts';

export interface InnerRequest {
  readonly events: readonly unknown[];
  readonly helperBinary: string;
  /** The caller's namespaces, which the inner side must not be in. */
  readonly hostNamespaces: NamespaceIds;
  /** Milliseconds to wait after each event that can drop a reference (see SessionOptions.settleMs). */
  readonly settleMs?: number;
}

export type InnerReply =
  | { readonly ok: true; readonly kernel: string; readonly results: readonly Result[] }
  | { readonly ok: false; readonly message: string; readonly event?: { readonly index: number; readonly path: string; readonly message: string } };
