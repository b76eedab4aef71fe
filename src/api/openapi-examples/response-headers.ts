/**
 * Response headers the OpenAPI document declares beside the bodies the route schemas give: which model
 * answered a prediction (api/served-model-headers.ts), so that generated clients and Swagger UI show them.
 */
const MODEL_HEADERS = {
  'X-Model-Id': { description: 'The id of the model that answered (a bare name resolves to its newest version)', schema: { type: 'string' }, example: 'mdl_a625c00432c54b0b88863673c6072274' },
  'X-Model-Name': { description: 'Its name', schema: { type: 'string' }, example: 'iris-example' },
  'X-Model-Version': { description: 'Its version under that name', schema: { type: 'string', pattern: '^[1-9][0-9]*$' }, example: '2' }
}

/** The operations whose 200 carries them: the native predict and TF Serving's :predict. */
const WITH_MODEL_HEADERS = ['/v1/models/{id}/predict', '/v1/models/{name}:predict', '/v1/models/{name}/versions/{version}:predict']

type Responses = Record<string, { headers?: Record<string, unknown> }>

/** Puts the headers into an OpenAPI document (in place) and returns it. */
export function addResponseHeaders<T extends { paths?: object }> (doc: T): T {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, { responses?: Responses }>>
  for (const path of WITH_MODEL_HEADERS) {
    const ok = paths[path]?.post?.responses?.['200']
    if (ok !== undefined) ok.headers = { ...ok.headers, ...MODEL_HEADERS }
  }
  return doc
}
