/**
 * Request bodies sent with `Content-Encoding: gzip`, `deflate` (zlib, as HTTP means it) or `br` are decompressed
 * before anything reads them, on every route: tritonclient's request_compression_algorithm, and `curl
 * --data-binary @rows.csv.gz -H 'content-encoding: gzip'` for a dataset. BODY_LIMIT bounds the decompressed
 * bytes (Fastify counts what the parser receives), so a small body that inflates without end is a 413. Another
 * encoding is a 415 naming the ones read; a body that is not what its encoding says, a 400.
 */
import { PassThrough, type Readable, type Transform } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { UNSUPPORTED_ENCODING, VALIDATION, withProblem } from '../errors.js'
import { keepsConnection } from './body-scan.js'

const DECODERS: Readonly<Record<string, () => NodeJS.ReadWriteStream>> = {
  gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress
}

/** Adds the app-wide preParsing hook (before every route's own: they see the decompressed body). */
export function decompressRequests (app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const header = request.headers['content-encoding']
    if (header === undefined) return payload
    // no body (a GET, Content-Length 0): nothing to decompress, and nothing would read the decoder's error
    const length = request.headers['content-length']
    if ((length === undefined || Number(length) === 0) && request.headers['transfer-encoding'] === undefined) return payload
    const encoding = header.trim().toLowerCase()
    if (encoding === '' || encoding === 'identity') return payload
    const decoder = Object.hasOwn(DECODERS, encoding) ? DECODERS[encoding] : undefined // "__proto__" is no decoder
    if (decoder === undefined) throw withProblem(new UNSUPPORTED_ENCODING(header), { field: 'Content-Encoding' })
    return inflated(payload, decoder() as Transform, encoding, request.routeOptions.bodyLimit, request.raw)
  })
}

/**
 * `source` through `decoder`, reporting the bytes received (compressed) as `receivedEncodedLength`, with the
 * decoder's errors said as a 400. The decoder stops once it has put out more than `limit` bytes (the parser's
 * 413 is answered by then) or the client has gone: left running, a 3 KB brotli body of 4 GiB of zeros kept a core
 * busy for 40 s after its 413 (a hostile trial's), ten of them for minutes. A body the decoder refuses is read to its
 * end, its 400 keeping the connection, as any other refused body's (body-scan.ts).
 */
function inflated (source: Readable, decoder: Transform, encoding: string, limit: number, request: IncomingMessage): Readable {
  let received = 0
  let produced = 0
  let broken = false
  const out = new PassThrough()
  const stop = (): void => { source.unpipe(decoder); decoder.destroy() }
  source.on('data', (chunk: Buffer) => {
    received += chunk.length
    // the rest of a body that failed to decompress is read and dropped, so that its 400 keeps the connection for the
    // client's next request; past BODY_LIMIT of it the connection is cut instead
    if (broken && received > limit) { source.destroy(); request.socket.destroy() }
  })
  source.on('error', (err) => out.destroy(err))
  decoder.on('data', (chunk: Buffer) => {
    produced += chunk.length
    // a tick later: the parser counts this chunk first and answers its 413
    if (produced > limit) setImmediate(stop)
  })
  // an aborted upload (not one read to its end, whose 'close' may come before the decoder's last bytes)
  request.once('close', () => { if (!request.complete) stop() })
  decoder.on('error', (err: Error) => {
    broken = true
    source.unpipe(decoder) // which pauses it
    source.resume()
    keepsConnection(request)
    failWhenHeard(out, withProblem(new VALIDATION(`the body is not valid ${encoding} data, as its Content-Encoding says (${err.message}); send it compressed so, or without Content-Encoding`), { field: 'Content-Encoding' }))
  })
  Object.defineProperty(out, 'receivedEncodedLength', { get: () => received })
  out.on('error', () => {}) // the body's reader hears it; a route that never reads the body must not crash on it
  source.pipe(decoder).pipe(out)
  return out
}

/**
 * Destroys `stream` with `err` once a reader reads it: the decoder can fail on the first bytes, before the body's
 * reader has attached, and an error emitted then would leave it waiting on a stream that never ends. Readers attach
 * their listeners together ('data' and 'error', then resume, as Fastify's parser; 'readable' and the end's, as
 * for await does): the error comes a tick after the first of them.
 */
function failWhenHeard (stream: PassThrough, err: Error): void {
  if (stream.readableFlowing === true || stream.listenerCount('readable') > 0) { stream.destroy(err); return }
  const fail = (): void => {
    stream.off('newListener', onListener)
    stream.off('resume', fail)
    process.nextTick(() => stream.destroy(err))
  }
  const onListener = (event: string | symbol): void => { if (event === 'data' || event === 'readable') fail() }
  stream.on('newListener', onListener)
  stream.once('resume', fail)
}
