/**
 * On a route that takes no body (a cancel, a DELETE), an empty body is no body, whatever content-type
 * it is labelled with. A browser's `fetch(url, { method: 'POST', body: '' })` and many HTTP clients
 * label an empty body text/plain, which those routes answered 415. Fastify looks for a parser whenever
 * a content-type is present, so the label is dropped before parsing. Routes that take a body keep it:
 * there the parsers say what to send ("the body is empty: send …", "the document is empty").
 */
import type { FastifyInstance } from 'fastify'

export function ignoreEmptyBodyTypes (app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const headers = request.raw.headers
    if (headers['content-type'] !== undefined && headers['content-length'] === '0' && headers['transfer-encoding'] === undefined &&
      request.routeOptions.schema?.body === undefined) delete headers['content-type']
    done()
  })
}
