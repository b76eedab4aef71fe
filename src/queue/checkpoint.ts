/**
 * Training checkpoints in Redis: the engine's TrainState, bit for bit, so a resumed run continues
 * exactly. Binary: `BPCK1` + a 4-byte header length + a JSON header in which every typed array is a
 * reference {$f32|$f64: [byteOffset, length]} + the arrays' raw little-endian bytes (8-byte aligned).
 * Encoding and decoding are copies, O(parameters) with no per-value work, so a checkpoint of
 * millions of weights costs the worker's event loop milliseconds, not the seconds that JSON with
 * base64 did (an event loop blocked that long cannot renew the job's lock). The older text form
 * (JSON, arrays as base64) still decodes. Not the policy of when to checkpoint (the engine) nor
 * what to do with one (training-processor.ts).
 */
import type { Redis } from 'ioredis'
import type { TrainState } from '../nn/train.js'
import { createKeys } from '../store/keys.js'
import { deleteFenced, renameFenced, type AttemptFence } from './attempt-fence.js'

interface Packed { $f32?: string | [number, number], $f64?: string | [number, number] }
type Kind = Float32ArrayConstructor | Float64ArrayConstructor

const MAGIC = Buffer.from('BPCK1')
const WRITE_PIECE = 4 * 1024 * 1024
/** A checkpoint write left half-way (its worker died while writing) is gone after this. */
const ABANDONED_WRITE_MS = 3_600_000
const bytesOf = (a: Float32Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/** Copies into a fresh, aligned array: bytes read from Redis may sit at any offset. */
function arrayOf (bytes: Buffer, Kind: Kind): Float32Array | Float64Array {
  if (bytes.length % Kind.BYTES_PER_ELEMENT !== 0) throw new RangeError(`checkpoint array of ${bytes.length} bytes is not whole ${Kind.name} values`)
  const out = new Kind(bytes.length / Kind.BYTES_PER_ELEMENT)
  bytes.copy(Buffer.from(out.buffer))
  return out
}

/** The encoded checkpoint as pieces (header, then views of the arrays themselves, no copies). */
function checkpointParts (state: TrainState): Buffer[] {
  const arrays: Buffer[] = []
  let offset = 0
  const header = JSON.stringify(state, (_key, value: unknown) => {
    if (!(value instanceof Float32Array || value instanceof Float64Array)) return value
    const bytes = bytesOf(value)
    const pad = (8 - (bytes.length % 8)) % 8
    const at = offset
    arrays.push(bytes, Buffer.alloc(pad))
    offset += bytes.length + pad
    return { [value instanceof Float32Array ? '$f32' : '$f64']: [at, value.length] }
  })
  const head = Buffer.from(header, 'utf8')
  const length = Buffer.alloc(4)
  length.writeUInt32LE(head.length)
  return [MAGIC, length, head, ...arrays]
}

export function encodeCheckpoint (state: TrainState): Buffer {
  return Buffer.concat(checkpointParts(state))
}

export function decodeCheckpoint (encoded: Buffer | string): TrainState {
  const buf = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded
  const binary = buf.subarray(0, MAGIC.length).equals(MAGIC)
  const headLength = binary ? buf.readUInt32LE(MAGIC.length) : buf.length
  const headStart = binary ? MAGIC.length + 4 : 0
  const body = buf.subarray(headStart + headLength)
  const unpack = (ref: string | [number, number], Kind: Kind): Float32Array | Float64Array => {
    if (typeof ref === 'string') return arrayOf(Buffer.from(ref, 'base64'), Kind)
    const [at, n] = ref
    if (!(at >= 0 && n >= 0 && at + n * Kind.BYTES_PER_ELEMENT <= body.length)) throw new RangeError('checkpoint array lies outside the checkpoint')
    return arrayOf(body.subarray(at, at + n * Kind.BYTES_PER_ELEMENT), Kind)
  }
  const state = JSON.parse(buf.toString('utf8', headStart, headStart + headLength), (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const p = value as Packed
      if (p.$f32 !== undefined) return unpack(p.$f32, Float32Array)
      if (p.$f64 !== undefined) return unpack(p.$f64, Float64Array)
    }
    return value
  }) as TrainState
  if (!(Number.isInteger(state?.epoch) && state.epoch >= 0) || !(state.params instanceof Float32Array || state.params instanceof Float64Array)) {
    throw new RangeError('checkpoint is not a training state (epoch and params missing)')
  }
  return state
}

export interface CheckpointStore {
  /** Stored while `fence`'s attempt holds the job's lock (attempt-fence.ts); else nothing is stored, and LockLostError. */
  save (jobId: string, state: TrainState, fence: AttemptFence): Promise<void>
  load (jobId: string): Promise<TrainState | null>
  /** With a fence: only while its attempt holds the lock (else LockLostError), so that a stale attempt never removes the live one's. */
  remove (jobId: string, fence?: AttemptFence): Promise<void>
}

export function createCheckpointStore (redis: Redis, prefix: string): CheckpointStore {
  const keys = createKeys(prefix)
  return {
    // written in pieces of at most WRITE_PIECE bytes, each its own command, so the event loop copies
    // (and waits for) one piece at a time; readers see the whole checkpoint or the one before (RENAME)
    // each attempt writes under its own name, so that a stale attempt's pieces never mix with the live one's; one
    // abandoned half-way expires
    async save (jobId, state, fence) {
      const key = keys.jobCheckpoint(jobId)
      const writing = `${key}:writing:${fence.token}`
      await redis.del(writing)
      let first = true
      for (const part of checkpointParts(state)) {
        for (let at = 0; at < part.length; at += WRITE_PIECE) {
          await redis.append(writing, part.subarray(at, at + WRITE_PIECE))
          if (first) await redis.pexpire(writing, ABANDONED_WRITE_MS)
          first = false
        }
      }
      await renameFenced(redis, fence, writing, key, 'checkpoint')
    },
    async load (jobId) {
      const bytes = await redis.getBuffer(keys.jobCheckpoint(jobId))
      return bytes === null ? null : decodeCheckpoint(bytes)
    },
    async remove (jobId, fence) {
      if (fence) await deleteFenced(redis, fence, [keys.jobCheckpoint(jobId)], 'checkpoint\'s removal')
      else await redis.del(keys.jobCheckpoint(jobId))
    }
  }
}
