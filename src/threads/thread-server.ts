/**
 * The thread side of a ThreadClient (thread-client.ts): a thread entry calls serveRequests(handle)
 * and each message is handled in turn. A request's result is posted back (its buffers transferred
 * where `transferOf` says), or the error it threw as plain fields. A notification's error is not
 * caught: it crashes the thread, and the client fails what waits and starts a new one.
 */
import { parentPort, type Transferable } from 'node:worker_threads'
import type { Reply, Request, ThreadError } from './thread-protocol.js'

/** What of an error crosses back: name, message and the fields a problem+json answer reads. */
export function threadErrorOf (err: unknown): ThreadError {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & { code?: string, statusCode?: number, problem?: unknown }
  return { name: e.name, message: e.message, code: e.code, statusCode: e.statusCode, problem: e.problem }
}

export function serveRequests<In, Out> (handle: (body: In) => Out, transferOf: (out: Out) => readonly Transferable[] = () => []): void {
  const port = parentPort
  if (!port) throw new Error('serveRequests runs on a worker thread')
  port.on('message', (msg: Request<In>) => {
    if (msg.seq === undefined) { handle(msg.body); return }
    let reply: Reply<Out>
    let transfer: readonly Transferable[] = []
    try {
      const ok = handle(msg.body)
      reply = { seq: msg.seq, ok }
      transfer = transferOf(ok)
    } catch (err) {
      reply = { seq: msg.seq, error: threadErrorOf(err) }
    }
    port.postMessage(reply, transfer)
  })
}
