/**
 * The form a route takes as `multipart/form-data` (api/dataset-form.ts), in the OpenAPI document: the
 * generator gives every content type the route's one body schema, which for a form would be JSON's. A
 * `format: binary` string is what Swagger UI shows as a file picker and generated clients send as a file.
 */
import { FILE_FIELD } from '../dataset-form.js'

const DATASET_FORM = {
  schema: {
    type: 'object',
    required: [FILE_FIELD],
    properties: {
      [FILE_FIELD]: {
        type: 'string',
        format: 'binary',
        description: 'The dataset: a CSV file with a header row, or a JSON one as the application/json body takes. Its kind comes from ' +
          'the part\'s Content-Type (text/csv, application/json), else its first character ({ is JSON), else the file name\'s extension. ' +
          'The query parameters may come as text fields of the form instead (curl -F file=@iris.csv -F target=species)'
      }
    }
  },
  encoding: { [FILE_FIELD]: { contentType: 'text/csv, application/json, application/octet-stream' } }
}

/** The operations that take a form, and the form each takes. */
const FORMS: Record<string, object> = { '/v1/datasets': DATASET_FORM }

type Operation = { requestBody?: { content?: Record<string, unknown> } }

/** Puts each form's schema into an OpenAPI document (in place) and returns it. */
export function addFormUploads<T extends { paths?: object }> (doc: T): T {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>
  for (const [path, form] of Object.entries(FORMS)) {
    const content = paths[path]?.post?.requestBody?.content
    if (content?.['multipart/form-data'] !== undefined) content['multipart/form-data'] = form
  }
  return doc
}
