/**
 * Large prediction requests on threads of their own: the forward passes (10,000 W1 rows are ≈0.1 s of
 * matrix products) and, for a large body, its reading too (≈0.3 s for those rows), which would
 * otherwise stall every other request. Each thread is sent a model
 * (spec and weights) before its first run and keeps it until drop(); runs go to the thread with the
 * least work waiting. A thread that fails or exits fails only its waiting runs; the next run starts a
 * new thread and sends it the models again.
 */
import type { NetworkSpec } from '../../nn/spec.js'
import type { KernelName } from '../../kernels/index.js'
import type { Normalization } from '../../data/normalize.js'
import { leastBusy, ThreadClient } from '../../threads/thread-client.js'
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

/** One forward thread: its client, and the models this incarnation of it holds. */
class ForwardThread {
  private readonly sent = new Set<string>()
  private readonly client: ThreadClient<ToThread, FromThread>

  constructor (kernels: KernelName) {
    this.client = new ThreadClient({
      entry,
      name: 'the forward thread',
      workerData: { kernels },
      revive: (e) => new Error(`the forward pass failed: ${e.message}`),
      // a new thread holds no models: each is sent again before its next run
      onLost: () => this.sent.clear()
    })
  }

  get pending (): number { return this.client.pending }

  async run (model: ThreadModel, x: Float32Array<ArrayBuffer>, rows: number): Promise<Float32Array> {
    const out = await this.ask(model, { type: 'run', id: model.id, x, rows }, [x.buffer])
    if (!(out instanceof Float32Array)) throw new Error('the forward thread answered a run with something else')
    return out
  }

  async runBody (model: ThreadModel, bytes: Uint8Array, maxRows: number): Promise<BodyResult> {
    const body = await this.ask(model, { type: 'body', id: model.id, bytes, maxRows }, [])
    if (body instanceof Float32Array) throw new Error('the forward thread answered a body with something else')
    return body
  }

  /** Sends the model first if this thread lacks it, then the request; the answer, or its error as a rejection. */
  private ask (model: ThreadModel, request: ToThread, transfer: ArrayBuffer[]): Promise<FromThread> {
    if (!this.sent.has(model.id)) {
      // a copy: the API keeps its own for the next thread, should this one fail
      const params = Float32Array.from(model.params)
      this.client.notify({ type: 'load', id: model.id, spec: model.spec, params, norm: model.norm }, [params.buffer])
      this.sent.add(model.id)
    }
    return this.client.request(request, transfer)
  }

  drop (id: string): void {
    if (this.client.running && this.sent.delete(id)) this.client.notify({ type: 'drop', id })
  }

  clear (): void {
    if (this.client.running && this.sent.size > 0) this.client.notify({ type: 'clear' })
    this.sent.clear()
  }

  close (): Promise<void> { return this.client.close() }
}

export function createForwardThreads (count: number, kernels: KernelName): ForwardThreads {
  const threads = Array.from({ length: count }, () => new ForwardThread(kernels))
  return {
    run (model, x, rows) { return leastBusy(threads).run(model, x, rows) },
    runBody (model, bytes, maxRows) { return leastBusy(threads).runBody(model, bytes, maxRows) },
    drop (id) { for (const t of threads) t.drop(id) },
    clear () { for (const t of threads) t.clear() },
    async close () { await Promise.all(threads.map(async (t) => { await t.close() })) }
  }
}
