/**
 * The Transform that the body scanners (row-cap-stream.ts, protocols/tensor-cap-stream.ts) run in: bytes pass
 * through to the parser until `scan` refuses the body, which answers at once, before the rest has arrived. The
 * rest is then read and dropped (up to the route's BODY_LIMIT), so that a client that sends the whole body before
 * it reads the answer (tritonclient, Python's http.client and requests) gets the 400: left unread, the body
 * stalled its upload until the connection was cut under it, a broken pipe and never the answer.
 *
 * The Transform reports the bytes its source received as `receivedEncodedLength` (Fastify compares that with
 * Content-Length): a decompressed body (request-decompression.ts) is longer than what was sent.
 */
import { Transform, type Readable } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Looks at a chunk of the body: null to pass it on, or the error that refuses the body. */
export type BodyScan = (chunk: Buffer) => Error | null

/** Replies to a refused body that is being drained, and requests whose body a parser read whole and refused: their connection can carry the client's next request. */
const draining = new WeakSet<FastifyReply>()
const readToEnd = new WeakSet<IncomingMessage>()

type ParserDone = (err: Error | null, body?: unknown) => void

/**
 * A `parseAs: 'buffer'` content-type parser whose refusals keep the connection. Fastify calls such a
 * parser once the whole body has arrived, so its "the client may still be sending", which closes the
 * connection after any parser error, does not hold: a client's unparsable JSON, say, need not cost it
 * its connection. Every buffer parser is registered through this.
 */
export function readWhole<B> (parser: (request: FastifyRequest, body: B, done: ParserDone) => void): (request: FastifyRequest, body: B, done: ParserDone) => void {
  return (request, body, done) => {
    parser(request, body, (err, value) => {
      if (err) readToEnd.add(request.raw)
      done(err, value)
    })
  }
}

/** The refusal of `request`'s body keeps its connection: what is left of the body is being read to its end (or the connection cut, past a budget). */
export function keepsConnection (request: IncomingMessage): void {
  readToEnd.add(request)
}

/**
 * `source` piped through `scan`; see above. `limit`: the most bytes of it read after a refusal. Fastify closes
 * the connection after any body error, since the client may still be sending: here the rest is read, so the
 * reply keeps the connection (keepDrainedConnections), and the client's write can finish.
 */
export function scanBody (source: Readable, scan: BodyScan, limit: number, reply: FastifyReply): Transform {
  let seen = 0
  const scanner = new Transform({
    transform (chunk: Buffer, _encoding, done) {
      seen += chunk.length
      const refused = scan(chunk)
      if (refused === null) { done(null, chunk); return }
      drain(source, limit - seen, () => { reply.request.raw.socket?.destroy() })
      draining.add(reply)
      done(refused)
    }
  })
  // the parser hears the refusal; once it has given up on the body (over BODY_LIMIT) it no longer listens, and an
  // error event nobody hears would end the process (a trial's 52 KB gzip body did)
  scanner.on('error', () => {})
  passEncodedLength(scanner, source)
  // a pipe does not carry its source's errors: a body that fails to decompress (request-decompression.ts) is the scanner's too
  source.once('error', (err) => scanner.destroy(err))
  return source.pipe(scanner)
}

/**
 * Reads and drops what is left of `source`, at most `budget` more bytes; past them `cut` closes the connection
 * (a decompressed body's source is the decoder, whose destruction would leave the socket open and unread).
 */
export function drain (source: Readable, budget: number, cut: () => void): void {
  source.unpipe()
  let left = budget
  source.on('data', (chunk: Buffer) => {
    left -= chunk.length
    if (left < 0) { source.destroy(); cut() }
  })
  source.on('error', () => {}) // an upload cut off while dropped is no one's error
  source.resume()
}

/** A stream a preParsing hook returns in place of `source` keeps reporting the bytes `source` received. */
export function passEncodedLength (stream: Readable, source: Readable): void {
  Object.defineProperty(stream, 'receivedEncodedLength', {
    get: () => (source as Readable & { receivedEncodedLength?: number }).receivedEncodedLength,
    configurable: true
  })
}

/** The app-wide onSend hook that takes Fastify's `connection: close` off the reply to a refused body read to its end. */
export function keepDrainedConnections (app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (draining.has(reply) || readToEnd.has(request.raw)) reply.removeHeader('connection')
    return payload
  })
}
