/**
 * Training checkpoints in Redis: the engine's TrainState as JSON in which every typed array is its
 * raw little-endian bytes in base64, so a resumed run continues bit for bit. Not the policy of when
 * to checkpoint (the engine) nor what to do with one (training-processor.ts).
 */
import type { Redis } from 'ioredis'
import type { TrainState } from '../nn/train.js'
import { createKeys } from '../store/keys.js'

interface Packed { $f32?: string, $f64?: string }

const bytesOf = (a: Float32Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/** Copies into a fresh, aligned array: a Buffer decoded from base64 may sit at any byte offset. */
function unpack (b64: string, Kind: Float32ArrayConstructor | Float64ArrayConstructor): Float32Array | Float64Array {
  const bytes = Buffer.from(b64, 'base64')
  if (bytes.length % Kind.BYTES_PER_ELEMENT !== 0) throw new RangeError(`checkpoint array of ${bytes.length} bytes is not whole ${Kind.name} values`)
  const out = new Kind(bytes.length / Kind.BYTES_PER_ELEMENT)
  bytes.copy(Buffer.from(out.buffer))
  return out
}

export function encodeCheckpoint (state: TrainState): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (value instanceof Float32Array) return { $f32: bytesOf(value).toString('base64') }
    if (value instanceof Float64Array) return { $f64: bytesOf(value).toString('base64') }
    return value
  })
}

export function decodeCheckpoint (text: string): TrainState {
  const state = JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const p = value as Packed
      if (typeof p.$f32 === 'string') return unpack(p.$f32, Float32Array)
      if (typeof p.$f64 === 'string') return unpack(p.$f64, Float64Array)
    }
    return value
  }) as TrainState
  if (!(Number.isInteger(state?.epoch) && state.epoch >= 0) || !(state.params instanceof Float32Array || state.params instanceof Float64Array)) {
    throw new RangeError('checkpoint is not a training state (epoch and params missing)')
  }
  return state
}

export interface CheckpointStore {
  save (jobId: string, state: TrainState): Promise<void>
  load (jobId: string): Promise<TrainState | null>
  remove (jobId: string): Promise<void>
}

export function createCheckpointStore (redis: Redis, prefix: string): CheckpointStore {
  const keys = createKeys(prefix)
  return {
    async save (jobId, state) { await redis.set(keys.jobCheckpoint(jobId), encodeCheckpoint(state)) },
    async load (jobId) {
      const text = await redis.get(keys.jobCheckpoint(jobId))
      return text === null ? null : decodeCheckpoint(text)
    },
    async remove (jobId) { await redis.del(keys.jobCheckpoint(jobId)) }
  }
}
