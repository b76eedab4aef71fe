/**
 * JSON bodies whatever their content-type, for the serving protocols' routes only. TensorFlow Serving's
 * documented call is `curl -d '{"instances": …}' -X POST …:predict`, which curl sends as
 * application/x-www-form-urlencoded, and TF Serving (as KServe's servers) reads the body as JSON
 * regardless. The native routes keep their 415 for a body that is not JSON.
 */
import type { FastifyInstance } from 'fastify'
import { jsonBodyParser } from '../json-body.js'
import { readWhole } from '../body-scan.js'

/** Adds the catch-all parser to `scope` (the app's JSON parser and its 400s): register it inside the plugin that holds the protocol's routes. */
export function readJsonWhateverContentType (scope: FastifyInstance, options: { nanAsNull?: boolean } = {}): void {
  const parser = readWhole(jsonBodyParser(scope, options))
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, parser)
  // application/json has the app's own parser; a protocol that reads JSON its own way replaces it in its scope
  if (options.nanAsNull === true) {
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, parser)
  }
  // an empty Content-Type (some clients send the header blank) is none: Fastify's catch-all does not match ''
  scope.addHook('onRequest', (request, _reply, done) => {
    const type = request.headers['content-type']
    if (type !== undefined && type.trim() === '') delete request.headers['content-type']
    done()
  })
}
