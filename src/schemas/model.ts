/**
 * Trained models as the API shows them, their portable JSON export (weights + normalisation +
 * labels), and prediction requests and responses. Deep checks of an import live in nn/serialize.ts.
 */
import { z } from 'zod'
import { JSON_FORMAT, JSON_FORMAT_VERSION } from '../nn/serialize.js'
import { NORMALIZATIONS } from '../data/normalize.js'
import { NetworkSpecSchema } from './network.js'
import { Name, Timestamp, PageQuery } from './common.js'
import { RunReportShape } from './training.js'

/** Bounds one predict request; larger batches should be split by the client. */
export const MAX_PREDICT_ROWS = 10_000

export const NormalizationSchema = z.object({
  kind: z.enum(NORMALIZATIONS),
  offset: z.array(z.number()).describe('Per column: x\' = (x − offset) / scale'),
  scale: z.array(z.number())
}).strict().meta({ id: 'Normalization' })

export const ModelResponse = z.object({
  id: z.string(),
  name: z.string().describe('Versions are counted per name'),
  version: z.number().int(),
  network: NetworkSpecSchema,
  parameterCount: z.number().int(),
  metrics: z.record(z.string(), z.number())
    .describe('Of the stored weights (after early stopping: the restored epoch\'s): loss, accuracy and valLoss of that epoch; valAccuracy or valMse/valMae/valR2 on the held-out rows; epochs run'),
  datasetId: z.string().optional().describe('The dataset it was trained on (absent for imported models)'),
  jobId: z.string().optional().describe('The training job that produced it'),
  parentModelId: z.string().optional().describe('The model it was fine-tuned from'),
  classes: z.array(z.string()).optional().describe('Class labels in output-unit order'),
  featureNames: z.array(z.string()),
  targetNames: z.array(z.string()),
  ...RunReportShape,
  createdAt: Timestamp
}).meta({ id: 'ModelResponse' })

export type ModelResponseBody = z.infer<typeof ModelResponse>

export const ModelListQuery = PageQuery.extend({
  name: Name.optional().describe('Only the versions of this model name, highest first')
})

const JsonLayer = z.object({
  W: z.array(z.array(z.number())).describe('Weights W[unit][input]'),
  b: z.array(z.number()).describe('Biases b[unit]')
}).strict()

/** The JSON form of nn/serialize.ts plus what predict needs besides weights. */
export const ModelExport = z.object({
  format: z.literal(JSON_FORMAT),
  version: z.literal(JSON_FORMAT_VERSION),
  network: NetworkSpecSchema,
  layers: z.array(JsonLayer).describe('Hidden layers, then the output layer'),
  name: Name.optional(),
  normalization: NormalizationSchema.optional().describe('Applied to raw inputs before the network'),
  targetNormalization: NormalizationSchema.optional().describe('Inverse-applied to regression outputs'),
  classes: z.array(z.string().min(1).max(200)).optional(),
  featureNames: z.array(z.string().max(200)).optional(),
  targetNames: z.array(z.string().max(200)).optional(),
  metrics: z.record(z.string(), z.number()).optional()
}).strict().meta({ id: 'ModelExport' })

export type ModelExportBody = z.infer<typeof ModelExport>

export const PredictRequest = z.object({
  inputs: z.array(z.array(z.number())).min(1).max(MAX_PREDICT_ROWS)
    .describe(`Raw (unnormalised) feature rows, at most ${MAX_PREDICT_ROWS}; each as wide as the model's inputs`)
}).strict().meta({ id: 'PredictRequest' })

export const PredictResponse = z.object({
  outputs: z.array(z.array(z.number()))
    .describe('Per row: class probabilities (softmax/sigmoid) or values in the targets\' units (regression)'),
  labels: z.array(z.string()).optional().describe('Per row: the predicted class label, for classifiers with known classes')
}).meta({ id: 'PredictResponse' })

export type PredictResponseBody = z.infer<typeof PredictResponse>
