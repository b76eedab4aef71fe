/** Messages between the API's event loop and a forward thread (structured clone; arrays transferred). */
import type { NetworkSpec } from '../../nn/spec.js'

export type ToThread =
  | { readonly type: 'load', readonly id: string, readonly spec: NetworkSpec, readonly params: Float32Array<ArrayBuffer> }
  | { readonly type: 'run', readonly seq: number, readonly id: string, readonly x: Float32Array<ArrayBuffer>, readonly rows: number }
  | { readonly type: 'drop', readonly id: string }
  | { readonly type: 'clear' }

export type FromThread =
  | { readonly seq: number, readonly out: Float32Array<ArrayBuffer> }
  | { readonly seq: number, readonly error: string }
