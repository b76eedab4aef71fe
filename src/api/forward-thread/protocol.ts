/** Messages between the API's event loop and a forward thread (structured clone; arrays transferred where marked). */
import type { NetworkSpec } from '../../nn/spec.js'
import type { Normalization } from '../../data/normalize.js'
import type { BodyResult } from './models-on-thread.js'

export type ToThread =
  | { readonly type: 'load', readonly id: string, readonly spec: NetworkSpec, readonly params: Float32Array<ArrayBuffer>, readonly norm: Normalization }
  /** x transferred */
  | { readonly type: 'run', readonly seq: number, readonly id: string, readonly x: Float32Array<ArrayBuffer>, readonly rows: number }
  /** bytes copied: the API keeps them for the general path */
  | { readonly type: 'body', readonly seq: number, readonly id: string, readonly bytes: Uint8Array, readonly maxRows: number }
  | { readonly type: 'drop', readonly id: string }
  | { readonly type: 'clear' }

/** `out` of a run and a body's outputs are transferred. */
export type FromThread =
  | { readonly seq: number, readonly out: Float32Array<ArrayBuffer> }
  | { readonly seq: number, readonly body: BodyResult }
  | { readonly seq: number, readonly error: string }
