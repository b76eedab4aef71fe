/**
 * Trained models as the API shows them, their portable JSON export (weights + normalisation +
 * labels), and prediction requests and responses. Deep checks of an import live in nn/serialize.ts.
 */
import { z } from 'zod'
import './messages.js'
import { JSON_FORMAT, JSON_FORMAT_VERSIONS } from '../nn/serialize.js'
import { NORMALIZATIONS } from '../data/normalize.js'
import { NetworkSpecSchema } from './network.js'
import { Name, Timestamp, PageQuery } from './common.js'
import { MODEL_NAME_FORM, ModelName } from './model-name.js'
import { RunReportShape, TrainingOptionsSchema } from './training.js'

/** Bounds one predict request; larger batches should be split by the client. */
export const MAX_PREDICT_ROWS = 10_000

export const NormalizationSchema = z.object({
  kind: z.enum(NORMALIZATIONS),
  offset: z.array(z.number()).describe('Per column: x\' = (x − offset) / scale'),
  scale: z.array(z.number())
}).strict().meta({ id: 'Normalization' })

const FeatureColumnSchema = z.object({
  name: z.string().min(1).max(200).describe('The feature name (the key of an instance record)'),
  kind: z.enum(['numeric', 'categorical']).describe('numeric: one input; categorical: one input per category (one-hot)'),
  categories: z.array(z.string().max(200)).min(1).optional().describe('Categorical: the categories in one-hot column order'),
  untrainedCategories: z.array(z.string().max(200)).min(1).optional()
    .describe('Categorical: categories of `categories` that no row the model trained on held (the dataset had them in validation rows only). ' +
      'The model learned nothing about them (their inputs have no weight), so predict, evaluate and the serving protocols take them as categories ' +
      'it never saw: all zeros, reported in unknownCategories, refused with handleUnknown=error. Absent when there are none')
}).strict()

export const PreprocessingSchema = z.object({
  columns: z.array(FeatureColumnSchema).min(1).describe('Raw feature columns in order; a categorical one is one-hot encoded into an input per category'),
  imputer: z.object({
    strategy: z.enum(['mean', 'median', 'most_frequent', 'constant']).describe('scikit-learn SimpleImputer strategy it was fitted with'),
    fillValue: z.number().optional().describe('constant: the value given'),
    statistics: z.array(z.number()).describe('Per raw column: the value of a missing cell (a categorical column: the category index, -1 for none)')
  }).strict().optional().describe('Fills missing cells (scikit-learn SimpleImputer, fitted on the training rows); absent: missing cells are refused')
}).strict().meta({ id: 'Preprocessing' })

export const ModelResponse = z.object({
  id: z.string(),
  name: z.string().describe('Versions are counted per name'),
  version: z.number().int(),
  network: NetworkSpecSchema,
  parameterCount: z.number().int().describe('Learned parameters, as PyTorch counts net.parameters(): weights, biases, norms\' γ and β (batch norm\'s running statistics are buffers, not counted)'),
  metrics: z.record(z.string(), z.number())
    .describe('Of the stored weights (after early stopping: the restored epoch\'s): loss, accuracy and valLoss of that epoch; valAccuracy or valMse/valMae/valR2 on the held-out rows; epochs run'),
  datasetId: z.string().optional().describe('The dataset it was trained on (absent for imported models)'),
  jobId: z.string().optional().describe('The training job that produced it'),
  parentModelId: z.string().optional().describe('The model it was fine-tuned from'),
  classes: z.array(z.string()).optional().describe('Class labels in output-unit order'),
  featureNames: z.array(z.string()).describe('The raw columns a prediction row holds, in order (the keys of an instance record)'),
  targetNames: z.array(z.string()),
  preprocessing: PreprocessingSchema.optional().describe('How a raw row becomes the network\'s inputs before the normalisation: each column\'s kind and categories ' +
    '(one-hot encoding, fitted on the training rows) and the imputer of missing cells; absent: every column numeric, missing cells refused'),
  training: TrainingOptionsSchema.optional().describe('The options of the job that trained it, as that job reports them (absent on imported models)'),
  ...RunReportShape,
  createdAt: Timestamp
}).meta({ id: 'ModelResponse' })

export type ModelResponseBody = z.infer<typeof ModelResponse>

export const ModelListQuery = PageQuery.extend({
  name: Name.optional().describe('Only the versions of this model name, highest first')
}).strict()

const JsonLayer = z.object({
  W: z.array(z.array(z.number())).describe('Weights W[unit][input]'),
  b: z.array(z.number()).describe('Biases b[unit]')
}).strict()

const JsonTensor = z.union([z.array(z.number()), z.array(z.array(z.number()))])

/** The JSON form of nn/serialize.ts plus what predict needs besides weights. */
export const ModelExport = z.object({
  format: z.literal(JSON_FORMAT),
  version: z.union(JSON_FORMAT_VERSIONS.map((v) => z.literal(v))).describe('2 is written (parameters by name); 1 (layers of W and b, plain dense networks) is still read'),
  network: NetworkSpecSchema,
  // a number: torch's 0-d tensors, BatchNorm1d's num_batches_tracked among them (read and set aside)
  parameters: z.record(z.string(), z.union([...JsonTensor.options, z.number()])).optional().describe('Version 2: every parameter under its torch.nn state_dict name, as nested arrays of its torch shape, ' +
    'in buffer order. Hidden layer i: layers.i.linear.weight [out, in] and .bias [out] (torch.nn.Linear; maxout: out = units·pieces, the pieces of a unit ' +
    'adjacent), layers.i.norm.weight and .bias [out] (torch.nn.LayerNorm; torch.nn.BatchNorm1d adds .running_mean and .running_var; its .num_batches_tracked, a counter, is accepted and not kept), layers.i.projection.weight [units, in] (a residual across widths: ' +
    'torch.nn.Linear without bias); then output.weight and output.bias. Load it with torch\'s load_state_dict (README)'),
  layers: z.array(JsonLayer).optional().describe('Version 1 only: hidden layers, then the output layer'),
  name: Name.optional().describe('The model\'s name (absent when it has none: it is named by its id)'),
  preprocessing: PreprocessingSchema.optional().describe('Imputation and one-hot encoding of raw rows, before the normalisation'),
  normalization: NormalizationSchema.optional().describe('Applied to the encoded inputs before the network'),
  targetNormalization: NormalizationSchema.optional().describe('Inverse-applied to regression outputs'),
  classes: z.array(z.string().min(1).max(200)).optional().describe('One label per class, in output order; distinct (also as numbers: "1" and "1.0" are one class)'),
  featureNames: z.array(z.string().max(200)).optional().describe('One distinct name per raw feature column'),
  targetNames: z.array(z.string().max(200)).optional().describe('One distinct name per target'),
  metrics: z.record(z.string(), z.number()).optional().describe('The training run\'s metrics as exported; an import keeps them as given (they are not recomputed: evaluate the model on your rows for your own)')
}).strict().meta({ id: 'ModelExport' })

export type ModelExportBody = z.infer<typeof ModelExport>

/**
 * An export as POST /v1/models takes it back: the name must be a model name (model-name.ts). Apart
 * from ModelExport, whose name is any stored model's, also one named before the rule.
 */
export const ModelImport = ModelExport.extend({
  name: ModelName.optional().describe(`The name the import is versioned under: ${MODEL_NAME_FORM}. Left out, the import is named by its new id`)
}).strict().meta({ id: 'ModelImport' })

export type ModelImportBody = z.infer<typeof ModelImport>

/** POST /v1/models's options: its body is an export file, so the opt-in travels in the query. */
export const ModelImportQuery = z.object({
  allowSignatureChange: z.enum(['true', 'false']).optional()
    .describe('When the name already has versions, the import must keep the newest version\'s signature (feature columns, output head and units, ' +
      'classes or targets, in order); otherwise it is refused with 409 listing the differences. true: store it anyway, as the name\'s new signature')
}).strict()

const Cell = z.union([z.number(), z.string().max(200), z.null()])

/** What the general path accepts; `{ inputs: number[][] }` is the canonical (fast) form. */
export const PredictRequest = z.object({
  inputs: z.array(z.array(Cell)).min(1).max(MAX_PREDICT_ROWS).optional()
    .describe(`Raw feature rows, at most ${MAX_PREDICT_ROWS}, each with the model's featureNames in order: numbers, category strings, null for a missing value`),
  instances: z.array(z.union([z.record(z.string(), Cell), z.array(Cell)])).min(1).max(MAX_PREDICT_ROWS).optional()
    .describe('Rows as records keyed by feature name ({"sepal_length": 5.1, …}, as TensorFlow Serving and MLflow clients send), or as arrays like inputs')
}).strict().superRefine((body, ctx) => {
  if ((body.inputs === undefined) === (body.instances === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'send exactly one of inputs (rows) or instances (records keyed by feature name)' })
  }
}).meta({ id: 'PredictRequest' })

export type PredictRequestBody = z.output<typeof PredictRequest>

export const PredictQuery = z.object({
  handleUnknown: z.enum(['ignore', 'error']).optional()
    .describe('A category the model never saw: ignore (default: all zeros in its one-hot columns, as scikit-learn\'s OneHotEncoder(handle_unknown=\'ignore\'), reported in unknownCategories) or error (400)')
}).strict()

export const PredictResponse = z.object({
  outputs: z.array(z.array(z.number()))
    .describe('Per row: class probabilities (softmax/sigmoid) or values in the targets\' units (regression)'),
  labels: z.array(z.string()).optional().describe('Per row: the predicted class label, for classifiers with known classes'),
  unknownCategories: z.array(z.object({ row: z.number().int(), field: z.string(), value: z.string() })).optional()
    .describe('Categories the model never saw, encoded as all zeros (handleUnknown=ignore)')
}).meta({ id: 'PredictResponse' })

export type PredictResponseBody = z.infer<typeof PredictResponse>
