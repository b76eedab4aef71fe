/**
 * Scoring a model on a stored dataset: POST /v1/models/{ref}/evaluate and /predictions. Every metric is
 * defined as scikit-learn's sklearn.metrics function of the same name (1.5), stated on its field.
 */
import { z } from 'zod'
import './messages.js'

export const DatasetRequest = z.object({
  datasetId: z.string().min(1).max(200).describe('A stored dataset (POST /v1/datasets) with the model\'s feature columns, by name and order')
}).strict()

export const EvaluateRequest = DatasetRequest.meta({ id: 'EvaluateRequest' })
export const DatasetPredictionsRequest = DatasetRequest.meta({ id: 'DatasetPredictionsRequest' })

const ClassScores = z.object({
  precision: z.number().describe('precision_score: tp / (tp + fp); 0 when nothing was predicted as the class (zero_division)'),
  recall: z.number().describe('recall_score: tp / (tp + fn); 0 when the class has no rows'),
  f1: z.number().describe('f1_score: 2·precision·recall / (precision + recall); 0 when both are 0'),
  support: z.number().int().describe('Rows whose true class this is (for averages: all rows)')
})

export const ClassificationMetrics = z.object({
  accuracy: z.number().describe('accuracy_score: share of rows whose predicted class (argmax; p ≥ 0.5 for one sigmoid unit, as predict) is the true one'),
  logLoss: z.number().describe('log_loss: −mean log p(true class), probabilities clipped to [eps, 1 − eps] (eps = 2.2e-16) and rows rescaled to sum 1'),
  classes: z.array(z.string()).describe('The model\'s classes: the order of confusionMatrix\'s rows and columns and of perClass'),
  confusionMatrix: z.array(z.array(z.number().int())).describe('confusion_matrix: [i][j] counts rows of true class classes[i] predicted as classes[j]'),
  perClass: z.array(ClassScores.extend({ label: z.string() })).describe('classification_report\'s per-class rows'),
  macroAvg: ClassScores.describe('average=\'macro\': the unweighted mean over the classes that occur among the true or predicted labels (scikit-learn\'s default; perClass lists every class, those with support 0 too)'),
  weightedAvg: ClassScores.describe('average=\'weighted\': the mean over classes weighted by support'),
  rocAuc: z.number().nullable().describe('roc_auc_score: binary, the AUC of classes[1]\'s probability; more classes, multi_class=\'ovr\' with average=\'macro\'. Null when a class has no rows or every row (undefined)')
}).meta({ id: 'ClassificationMetrics' })

const Averaged = ClassScores.extend({ support: z.number().int().describe('The positive labels of every row: the sum of the labels\' supports') })

export const MultiLabelMetrics = z.object({
  accuracy: z.number().describe('accuracy_score on a multilabel-indicator target: the subset accuracy, the share of rows whose every label is predicted right ' +
    '(a label is predicted where its probability is ≥ 0.5, as predict reads a sigmoid unit)'),
  hammingLoss: z.number().describe('hamming_loss: the share of the rows × labels predicted wrong'),
  perLabel: z.array(ClassScores.extend({
    label: z.string().describe('The target column'),
    support: z.number().int().describe('Rows in which the label is 1'),
    confusionMatrix: z.array(z.array(z.number().int())).describe('multilabel_confusion_matrix\'s entry of the label: [[tn, fp], [fn, tp]]'),
    rocAuc: z.number().nullable().describe('roc_auc_score of the label\'s probability; null when its target is all 0 or all 1 (undefined)')
  })).describe('classification_report\'s per-label rows, in the model\'s output order'),
  microAvg: Averaged.describe('average=\'micro\': precision, recall and F1 of the counts summed over the labels'),
  macroAvg: Averaged.describe('average=\'macro\': the unweighted mean over every label'),
  weightedAvg: Averaged.describe('average=\'weighted\': the mean over labels weighted by support'),
  samplesAvg: Averaged.describe('average=\'samples\': each row\'s precision, recall and F1 over its labels, then their mean (a row with no label true and none predicted scores 0: zero_division)'),
  rocAuc: z.number().nullable().describe('roc_auc_score(average=\'macro\'): the mean of the labels\' AUCs; null when a label\'s is undefined')
}).meta({ id: 'MultiLabelMetrics' })

const RegressionScores = z.object({
  mse: z.number().describe('mean_squared_error: mean of (prediction − target)², in the target\'s units squared'),
  rmse: z.number().describe('root_mean_squared_error: √mse of an output; at the top level the mean of the outputs\' (as scikit-learn\'s uniform_average), not √ of the mean mse'),
  mae: z.number().describe('mean_absolute_error: mean of |prediction − target|'),
  r2: z.number().describe('r2_score: 1 − Σ(prediction − target)² / Σ(target − mean)²; a constant target scores 1 if predicted exactly, else 0 (force_finite)')
})

export const RegressionMetrics = RegressionScores.extend({
  perOutput: z.array(RegressionScores.extend({ name: z.string().describe('The target column') }))
    .describe('multioutput=\'raw_values\': one entry per output; the top-level values are their plain mean (multioutput=\'uniform_average\')')
}).meta({ id: 'RegressionMetrics' })

const base = {
  modelId: z.string(),
  datasetId: z.string(),
  rows: z.number().int().describe('Rows scored: every row of the dataset'),
  unknownCategories: z.array(z.object({
    field: z.string().describe('The categorical feature column'),
    value: z.string().describe('A category of the dataset\'s the model never saw'),
    rows: z.number().int().describe('Rows that hold it')
  })).optional()
    .describe('Categories the model never saw, scored as all zeros in their one-hot columns (as predict, with handleUnknown=ignore, does and reports in its unknownCategories); absent when there are none')
}

export const EvaluationResponse = z.discriminatedUnion('task', [
  z.object({ ...base, task: z.literal('classification'), metrics: ClassificationMetrics }),
  z.object({ ...base, task: z.literal('regression'), metrics: RegressionMetrics }),
  z.object({ ...base, task: z.literal('multi-label'), metrics: MultiLabelMetrics })
]).meta({ id: 'EvaluationResponse' })

export type EvaluationResponseBody = z.infer<typeof EvaluationResponse>
