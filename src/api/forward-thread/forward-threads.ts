/**
 * Large prediction requests on threads of their own: the forward passes (10,000 W1 rows are ≈0.1 s of
 * matrix products) and, for a large body, its reading too (≈0.3 s for those rows), which would
 * otherwise stall every other request. Each thread is sent a model
 * (spec and weights) before its first run and keeps it until drop(); runs go to the thread with the
 * least work waiting. A thread that fails or exits fails only its waiting runs; the next run starts a
 * new thread and sends it the models again.
 */
import { Worker } from 'node:worker_threads'
import type { NetworkSpec } from '../../nn/spec.js'
import type { KernelName } from '../../kernels/index.js'
import type { Normalization } from '../../data/normalize.js'
import type { BodyResult } from './models-on-thread.js'
import type { FromThread, ToThread } from './protocol.js'

export type { BodyResult }

export interface ThreadModel { readonly id: string, readonly spec: NetworkSpec, readonly params: Float32Array, readonly norm: Normalization }

export interface ForwardThreads {
  /** Outputs (rows × output units) for `rows` normalised rows in x; x is handed over (transferred). */
  run (model: ThreadModel, x: Float32Array<ArrayBuffer>, rows: number): Promise<Float32Array>
  /** A raw body (copied to the thread): read, checked, normalised and run there (models-on-thread.ts). */
  runBody (model: ThreadModel, bytes: Uint8Array, maxRows: number): Promise<BodyResult>
  /** The model leaves every thread (deleted, or evicted from the API's cache). */
  drop (id: string): void
  clear (): void
  close (): Promise<void>
}

// Under tsx/vitest the API runs from .ts sources: the thread must load them the same way.
const fromSource = import.meta.url.endsWith('.ts')
const entry = new URL(fromSource ? './thread-from-source.mjs' : './thread-main.js', import.meta.url)

interface Waiting { resolve (reply: FromThread): void, reject (err: Error): void }

class ForwardThread {
  private worker: Worker | undefined
  /** models this incarnation of the thread holds */
  private readonly sent = new Set<string>()
  private readonly waiting = new Map<number, Waiting>()
  private nextSeq = 0

  constructor (private readonly kernels: KernelName) {}

  get pending (): number { return this.waiting.size }

  async run (model: ThreadModel, x: Float32Array<ArrayBuffer>, rows: number): Promise<Float32Array> {
    const reply = await this.ask(model, (seq) => ({ type: 'run', seq, id: model.id, x, rows }))
    if (!('out' in reply)) throw new Error('the forward thread answered a run with something else')
    return reply.out
  }

  async runBody (model: ThreadModel, bytes: Uint8Array, maxRows: number): Promise<BodyResult> {
    const reply = await this.ask(model, (seq) => ({ type: 'body', seq, id: model.id, bytes, maxRows }))
    if (!('body' in reply)) throw new Error('the forward thread answered a body with something else')
    return reply.body
  }

  /** Sends the model first if this thread lacks it, then the request; the reply, or its error as a rejection. */
  private ask (model: ThreadModel, request: (seq: number) => ToThread): Promise<FromThread> {
    const worker = this.thread()
    if (!this.sent.has(model.id)) {
      // a copy: the API keeps its own for the next thread, should this one fail
      this.post(worker, { type: 'load', id: model.id, spec: model.spec, params: model.params.slice(), norm: model.norm }, true)
      this.sent.add(model.id)
    }
    const seq = this.nextSeq++
    return new Promise<FromThread>((resolve, reject) => {
      // referenced while requests wait (their answers keep the process alive), unreferenced when idle
      if (this.waiting.size === 0) worker.ref()
      this.waiting.set(seq, { resolve, reject })
      this.post(worker, request(seq), true)
    })
  }

  drop (id: string): void {
    if (this.worker && this.sent.delete(id)) this.post(this.worker, { type: 'drop', id }, false)
  }

  clear (): void {
    if (this.worker && this.sent.size > 0) this.post(this.worker, { type: 'clear' }, false)
    this.sent.clear()
  }

  async close (): Promise<void> {
    const w = this.worker
    this.fail(new Error('the API is shutting down'))
    if (w) await w.terminate()
  }

  private post (worker: Worker, msg: ToThread, transfer: boolean): void {
    const buffers = transfer && msg.type === 'load' ? [msg.params.buffer] : transfer && msg.type === 'run' ? [msg.x.buffer] : []
    worker.postMessage(msg, buffers)
  }

  private thread (): Worker {
    if (this.worker) return this.worker
    const w = new Worker(entry, { workerData: { kernels: this.kernels } })
    w.on('message', (reply: FromThread) => {
      const waiting = this.waiting.get(reply.seq)
      if (!waiting) return
      this.waiting.delete(reply.seq)
      if (this.waiting.size === 0) w.unref()
      if ('error' in reply) waiting.reject(new Error(`the forward pass failed: ${reply.error}`))
      else waiting.resolve(reply)
    })
    w.on('error', (err) => { if (this.worker === w) this.fail(new Error(`the forward thread failed: ${err.message}`)) })
    w.on('exit', () => { if (this.worker === w) this.fail(new Error('the forward thread stopped')) })
    w.unref() // an idle thread does not keep the process alive
    this.worker = w
    return w
  }

  /** Forgets this incarnation: its waiting runs fail, the next run starts a new thread. */
  private fail (err: Error): void {
    this.worker = undefined
    this.sent.clear()
    for (const w of this.waiting.values()) w.reject(err)
    this.waiting.clear()
  }
}

export function createForwardThreads (count: number, kernels: KernelName): ForwardThreads {
  const threads = Array.from({ length: count }, () => new ForwardThread(kernels))
  const leastBusy = (): ForwardThread => {
    let least = threads[0]
    for (const t of threads) if (t.pending < least.pending) least = t
    return least
  }
  return {
    run (model, x, rows) { return leastBusy().run(model, x, rows) },
    runBody (model, bytes, maxRows) { return leastBusy().runBody(model, bytes, maxRows) },
    drop (id) { for (const t of threads) t.drop(id) },
    clear () { for (const t of threads) t.clear() },
    async close () { await Promise.all(threads.map(async (t) => { await t.close() })) }
  }
}
