/** The query of GET /v1/models/{ref}/export: which format the model is written in. */
import { z } from 'zod'
import './messages.js'

export const EXPORT_FORMATS = ['json', 'onnx'] as const

export const ModelExportQuery = z.object({
  format: z.enum(EXPORT_FORMATS).default('json')
    .describe('json (default): this service\'s portable JSON, which POST /v1/models imports. onnx: an ONNX model (opset 17) of the whole ' +
      'prediction path (imputation, one-hot encoding, normalisation, layers, head) for any ONNX runtime; binary, application/octet-stream')
}).strict()
