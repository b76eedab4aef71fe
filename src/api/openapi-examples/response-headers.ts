/**
 * Response headers the OpenAPI document declares beside the bodies the route schemas give, so that
 * generated clients and Swagger UI show them: which model answered a prediction (api/served-model-headers.ts),
 * the request's id on every answer (app.ts), the rate limit's on a 429 (plugins/rate-limit.ts), and the file
 * name of an export.
 */
const MODEL_HEADERS = {
  'X-Model-Id': { description: 'The id of the model that answered (a bare name resolves to its newest version)', schema: { type: 'string' }, example: 'mdl_a625c00432c54b0b88863673c6072274' },
  'X-Model-Name': { description: 'Its name', schema: { type: 'string' }, example: 'iris-example' },
  'X-Model-Version': { description: 'Its version under that name', schema: { type: 'string', pattern: '^[1-9][0-9]*$' }, example: '2' }
}

/** The operations whose 200 carries them: the native predict and TF Serving's :predict. */
const WITH_MODEL_HEADERS = ['/v1/models/{id}/predict', '/v1/models/{name}:predict', '/v1/models/{name}/versions/{version}:predict']

/** On every answer: the caller's own X-Request-Id when it sent a plain one, else a UUID; log lines carry it as reqId. */
const REQUEST_ID = { description: 'The request\'s id, as its log lines carry it (reqId): the one sent in X-Request-Id when plain, else a UUID', schema: { type: 'string' } }

/** A 429's: when to come back, and the bucket (draft-ietf-httpapi-ratelimit-headers' names, which the rate limit sends on every answer; not on the 429 of too many invalid keys, which has Retry-After alone). */
const RATE_LIMIT_HEADERS = {
  'Retry-After': { description: 'Seconds until a request would be let through', schema: { type: 'integer', minimum: 0 } },
  'RateLimit-Limit': { description: 'Requests per minute this key (or address, on an open API) may make; absent on the 429 of too many invalid keys', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the bucket now', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the bucket is full again', schema: { type: 'integer' } }
}

const EXPORT_HEADERS = {
  'Content-Disposition': { description: 'The file name to save it under: name-v<version>.json (inline) or .onnx (attachment)', schema: { type: 'string' }, example: 'attachment; filename="iris-example-v1.onnx"' }
}

type Responses = Record<string, { headers?: Record<string, unknown> }>

/** Puts the headers into an OpenAPI document (in place) and returns it. */
export function addResponseHeaders<T extends { paths?: object, components?: object }> (doc: T): T {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, { responses?: Responses }>>
  const components = ((doc as { components?: Record<string, unknown> }).components ??= {}) as Record<string, Record<string, unknown> | undefined>
  components.headers = { ...components.headers, 'X-Request-Id': REQUEST_ID }
  for (const ops of Object.values(paths)) {
    for (const op of Object.values(ops)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        response.headers = { ...response.headers, 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } }
        if (status === '429') response.headers = { ...response.headers, ...RATE_LIMIT_HEADERS }
      }
    }
  }
  for (const path of WITH_MODEL_HEADERS) {
    const ok = paths[path]?.post?.responses?.['200']
    if (ok !== undefined) ok.headers = { ...ok.headers, ...MODEL_HEADERS }
  }
  const exported = paths['/v1/models/{id}/export']?.get?.responses?.['200']
  if (exported !== undefined) exported.headers = { ...exported.headers, ...EXPORT_HEADERS }
  return doc
}
