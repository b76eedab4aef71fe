/** Messages between the API's event loop and a forward thread, inside the ThreadClient envelopes (threads/thread-protocol.ts). */
import type { NetworkSpec } from '../../nn/spec.js'
import type { Normalization } from '../../data/normalize.js'
import type { BodyResult } from './models-on-thread.js'

/** load, drop and clear are notifications; run and body are requests. */
export type ToThread =
  /** params transferred (a copy: the API keeps its own for the next thread) */
  | { readonly type: 'load', readonly id: string, readonly spec: NetworkSpec, readonly params: Float32Array<ArrayBuffer>, readonly norm: Normalization }
  /** x transferred */
  | { readonly type: 'run', readonly id: string, readonly x: Float32Array<ArrayBuffer>, readonly rows: number }
  /** bytes copied: the API keeps them for the general path */
  | { readonly type: 'body', readonly id: string, readonly bytes: Uint8Array, readonly maxRows: number }
  | { readonly type: 'drop', readonly id: string }
  | { readonly type: 'clear' }

/** A run's outputs, or a body's result; outputs are transferred. */
export type FromThread = Float32Array<ArrayBuffer> | BodyResult
