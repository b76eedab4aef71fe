/**
 * The one request/response client of a worker thread, in place of one hand-rolled per use (forward
 * passes, dataset builds, evaluations). Requests are numbered and answered in any order; buffers
 * listed for transfer move instead of being copied. The thread starts on first use. When it fails,
 * exits, or a request outlives its timeout, every waiting request rejects with an error naming the
 * thread, and the next request starts a new thread. An idle thread never keeps the process alive.
 * The thread side is thread-server.ts. Not a pool: leastBusy() picks among several clients.
 */
import { Worker, type Transferable } from 'node:worker_threads'
import type { Reply, Request, ThreadError } from './thread-protocol.js'

export interface ThreadClientOptions {
  /** the thread's entry module: one that calls serveRequests (thread-server.ts) */
  readonly entry: URL
  /** what the thread is, for errors: 'the forward thread' */
  readonly name: string
  readonly workerData?: unknown
  /** the error a request the thread failed rejects with; default: the thread's error revived (reviveError) */
  readonly revive?: (e: ThreadError) => Error
  /** a request not answered within this many ms rejects, and the thread is replaced; default: no limit */
  readonly timeoutMs?: number
  /** called when the thread is lost (failed, exited, timed out or closed): what it held is gone */
  readonly onLost?: () => void
}

/** The error as thrown on the thread: same name, message, code, status and problem fields for the error handler. */
export const reviveError = (e: ThreadError): Error =>
  Object.assign(new Error(e.message), { name: e.name, code: e.code, statusCode: e.statusCode, problem: e.problem })

interface Waiting { resolve (reply: unknown): void, reject (err: Error): void, timer?: NodeJS.Timeout }

export class ThreadClient<In, Out> {
  private worker: Worker | undefined
  private readonly waiting = new Map<number, Waiting>()
  private nextSeq = 0

  constructor (private readonly opts: ThreadClientOptions) {}

  /** Requests sent and not yet answered. */
  get pending (): number { return this.waiting.size }

  /** Sends `body` (the buffers in `transfer` move to the thread) and resolves with the thread's answer. */
  request (body: In, transfer: readonly Transferable[] = []): Promise<Out> {
    const worker = this.thread()
    const seq = this.nextSeq++
    return new Promise<Out>((resolve, reject) => {
      // referenced while requests wait (their answers keep the process alive), unreferenced when idle
      if (this.waiting.size === 0) worker.ref()
      const waiting: Waiting = { resolve: resolve as (reply: unknown) => void, reject }
      const { timeoutMs } = this.opts
      if (timeoutMs !== undefined) {
        waiting.timer = setTimeout(() => { void this.lose(worker, new Error(`${this.opts.name} did not answer within ${timeoutMs} ms`), true) }, timeoutMs)
      }
      this.waiting.set(seq, waiting)
      worker.postMessage({ seq, body } satisfies Request<In>, transfer)
    })
  }

  /** Sends `body` with no answer expected (e.g. load or drop a model); an error the thread throws on it crashes the thread. */
  notify (body: In, transfer: readonly Transferable[] = []): void {
    this.thread().postMessage({ body } satisfies Request<In>, transfer)
  }

  /** Whether a thread is running (a notify or request would not start one). */
  get running (): boolean { return this.worker !== undefined }

  /** Stops the thread; waiting requests reject. Idempotent. */
  async close (): Promise<void> {
    const w = this.worker
    if (w) await this.lose(w, new Error(`${this.opts.name} was closed`), true)
  }

  private thread (): Worker {
    if (this.worker) return this.worker
    const w = new Worker(this.opts.entry, { workerData: this.opts.workerData })
    w.on('message', (reply: Reply<Out>) => {
      const waiting = this.waiting.get(reply.seq)
      if (!waiting) return
      this.waiting.delete(reply.seq)
      clearTimeout(waiting.timer)
      if (this.waiting.size === 0) w.unref()
      if ('error' in reply) waiting.reject((this.opts.revive ?? reviveError)(reply.error))
      else waiting.resolve(reply.ok)
    })
    w.on('error', (err) => { void this.lose(w, new Error(`${this.opts.name} failed: ${err.message}`), false) })
    w.on('exit', () => { void this.lose(w, new Error(`${this.opts.name} stopped`), false) })
    w.unref() // an idle thread does not keep the process alive
    this.worker = w
    return w
  }

  /** Forgets this incarnation of the thread (terminating it if asked): its waiting requests reject, the next request starts a new one. */
  private async lose (w: Worker, err: Error, terminate: boolean): Promise<void> {
    if (this.worker !== w) return
    this.worker = undefined
    for (const waiting of this.waiting.values()) { clearTimeout(waiting.timer); waiting.reject(err) }
    this.waiting.clear()
    this.opts.onLost?.()
    if (terminate) await w.terminate()
  }
}

/** The client with the fewest requests waiting (the first on ties): a pool of N is N clients and this. */
export function leastBusy<T extends { readonly pending: number }> (clients: readonly T[]): T {
  let least = clients[0]
  for (const c of clients) if (c.pending < least.pending) least = c
  return least
}
