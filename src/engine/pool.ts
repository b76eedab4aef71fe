/**
 * A pool of worker_threads started once and reused across jobs. A job borrows some threads
 * exclusively and gives them back; a thread that dies is replaced. close() is idempotent.
 */
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { EventEmitter } from 'node:events'

export interface PoolOptions {
  /** threads (default: the machine's available parallelism) */
  size?: number
  /**
   * The module each thread runs (default: the engine's thread-main). Tests give one that wraps it
   * to fail on cue (test/support/faulty-thread.mjs), so no fault injection travels in the protocol.
   */
  entry?: URL
}

// Under tsx/vitest the engine runs from .ts sources: the thread must load them the same way,
// so it registers tsx's loader first (a development-only path; the build runs plain .js).
const fromSource = import.meta.url.endsWith('.ts')
const defaultEntry = new URL(fromSource ? './thread-from-source.mjs' : './thread-main.js', import.meta.url)

export class ThreadPool extends EventEmitter {
  readonly size: number
  private readonly idle: Worker[] = []
  private readonly waiting: Array<{ n: number, resolve: (w: Worker[]) => void, reject: (e: Error) => void }> = []
  private closing: Promise<void> | undefined
  private readonly all = new Set<Worker>()
  private readonly entry: URL

  constructor (opts: PoolOptions = {}) {
    super()
    const size = opts.size ?? availableParallelism()
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`pool size must be an integer ≥ 1, got ${size}`)
    this.size = size
    this.entry = opts.entry ?? defaultEntry
    for (let i = 0; i < size; i++) this.idle.push(this.spawn())
  }

  private spawn (): Worker {
    const w = new Worker(this.entry)
    this.all.add(w)
    w.once('exit', () => {
      this.all.delete(w)
      const i = this.idle.indexOf(w)
      if (i >= 0) this.idle.splice(i, 1)
      if (this.closing) return
      // a dead thread is replaced at once, so the pool keeps its size
      this.idle.push(this.spawn())
      this.drain()
    })
    // errors are reported to the job that holds the thread; the pool only needs to survive them
    w.on('error', (err) => this.emit('thread-error', err))
    return w
  }

  /** Borrows n threads (1 ≤ n ≤ size), waiting until that many are idle. */
  acquire (n: number): Promise<Worker[]> {
    if (this.closing) return Promise.reject(new Error('the thread pool is closed'))
    if (n < 1 || n > this.size) return Promise.reject(new RangeError(`cannot borrow ${n} threads from a pool of ${this.size}`))
    return new Promise((resolve, reject) => { this.waiting.push({ n, resolve, reject }); this.drain() })
  }

  /** Gives threads back; dead ones are skipped (their replacements are already idle). */
  release (threads: Worker[]): void {
    for (const w of threads) if (this.all.has(w) && !this.idle.includes(w)) this.idle.push(w)
    this.drain()
  }

  private drain (): void {
    while (this.waiting.length > 0 && this.idle.length >= this.waiting[0].n) {
      const { n, resolve } = this.waiting.shift()!
      resolve(this.idle.splice(0, n))
    }
  }

  close (): Promise<void> {
    return (this.closing ??= (async () => {
      for (const w of this.waiting.splice(0)) w.reject(new Error('the thread pool is closed'))
      await Promise.all([...this.all].map((w) => w.terminate()))
      this.idle.length = 0
    })())
  }
}
