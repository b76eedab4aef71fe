/**
 * Request and response bodies the OpenAPI document declares per content type, where a route reads bytes
 * itself: the generator gives every content type of a route its one body schema (JSON's), which would
 * declare a CSV upload an object and a binary tensor request JSON. Here:
 * - POST /v1/datasets: CSV text (text/csv, application/csv) and the form (multipart/form-data, api/dataset-form.ts;
 *   a `format: binary` string is what Swagger UI shows as a file picker and generated clients send as a file,
 *   and the CSV options as the form's text fields);
 * - KServe v2 infer: the binary tensor extension's request (application/octet-stream, a JSON header of
 *   Inference-Header-Content-Length bytes, then the tensors' bytes; api/protocols/binary-tensors.ts).
 */
import { FILE_FIELD } from '../dataset-form.js'

const CSV_BODY = {
  schema: { type: 'string', minLength: 1, description: 'CSV text with a header row; the query parameters say how to read it' },
  example: 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n7,3.2,4.7,1.4,versicolor\n6.3,3.3,6,2.5,virginica\n'
}

/** The CSV options a form may send as text fields (the query parameters of a CSV upload: schemas/dataset.ts CreateDatasetQuery). */
const CSV_FIELDS = {
  target: { type: 'string', description: 'Comma-separated target column name(s); default the last column' },
  name: { type: 'string', description: 'The dataset name' },
  categorical: { type: 'string', description: 'true: the single target column holds class labels even when numbers; or comma-separated columns to read as categories' },
  delimiter: { type: 'string', enum: [',', ';', 'tab', '\t'], description: 'The cell separator; default: detected from the header line' },
  decimal: { type: 'string', enum: ['.', ','], description: 'The decimal mark of numbers (pandas\' decimal); default .' },
  thousands: { type: 'string', enum: [',', '.', ' ', '\''], description: 'The mark between groups of three digits (pandas\' thousands); default none' },
  missing: { type: 'string', enum: ['error', 'mean', 'median', 'most_frequent', 'constant'], description: 'The missing-value strategy (default error)' },
  fillValue: { type: 'string', description: 'With missing=constant, the value of a missing numeric cell (default 0)' }
}

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
          'The CSV options come as the text fields below or as query parameters (curl -F file=@iris.csv -F target=species)'
      },
      ...CSV_FIELDS
    }
  },
  encoding: { [FILE_FIELD]: { contentType: 'text/csv, application/json, application/octet-stream' } }
}

const BINARY_TENSORS = {
  schema: {
    type: 'string',
    format: 'binary',
    description: 'KServe\'s binary tensor extension: the JSON request (or answer) as the application/json body has it, of Inference-Header-Content-Length bytes, ' +
      'with parameters.binary_data_size in place of data for each binary tensor; then those tensors\' bytes in order (little-endian; BYTES: a 4-byte length before each element)'
  }
}
const HEADER_LENGTH = {
  'Inference-Header-Content-Length': {
    description: 'Present when the answer is binary (outputs asked for with parameters.binary_data or binary_data_output): the body is application/octet-stream, ' +
      'its JSON header of this many bytes first, then the outputs\' bytes',
    schema: { type: 'integer', minimum: 0 }
  }
}

type Content = Record<string, unknown>
type Operation = { requestBody?: { content?: Content }, responses?: Record<string, { content?: Content, headers?: Record<string, unknown> }>, parameters?: unknown[] }

/** Puts the bodies into an OpenAPI document (in place) and returns it. */
export function addRequestBodies<T extends { paths?: object }> (doc: T): T {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>
  const upload = paths['/v1/datasets']?.post?.requestBody?.content
  if (upload !== undefined) {
    // the schema only: the examples of the document (examples.ts) stay, Swagger UI's prefilled upload among them
    for (const type of ['text/csv', 'application/csv']) if (upload[type] !== undefined) upload[type] = { example: CSV_BODY.example, ...(upload[type] as object), schema: CSV_BODY.schema }
    if (upload['multipart/form-data'] !== undefined) upload['multipart/form-data'] = DATASET_FORM
  }
  for (const path of ['/v2/models/{name}/infer', '/v2/models/{name}/versions/{version}/infer']) {
    const op = paths[path]?.post
    if (op?.requestBody?.content === undefined) continue
    op.requestBody.content['application/octet-stream'] = BINARY_TENSORS
    op.parameters = [...(op.parameters ?? []), { in: 'header', name: 'Inference-Header-Content-Length', required: false, schema: { type: 'integer', minimum: 0 }, description: 'With an application/octet-stream body: the byte length of its JSON header' }]
    // the answer's binary form is declared by its header only: a second content type would make every typed
    // client's answer a union of JSON and bytes, while only a request that asks for binary outputs gets bytes
    const ok = op.responses?.['200']
    if (ok !== undefined) ok.headers = { ...ok.headers, ...HEADER_LENGTH }
  }
  return doc
}
