/**
 * POST /v1/models/{ref}/evaluate: scores a stored model on a stored dataset with the same columns
 * (scikit-learn's metrics; schemas/evaluation.ts states each definition). HTTP mapping only: the scoring
 * is api/scoring/, on a thread of its own for large datasets.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { DATASET_NOT_FOUND } from '../../errors.js'
import { ModelRefParams, problems } from '../../schemas/common.js'
import { EvaluateRequest, EvaluationResponse } from '../../schemas/evaluation.js'
import { datasetColumns } from '../../data/dataset-columns.js'
import { scoringInputs } from '../scoring/scoring-inputs.js'
import { scoreModel } from '../scoring/score.js'

const evaluate: FastifyPluginAsyncZod = async (fastify) => {
  fastify.post('/models/:id/evaluate', {
    schema: {
      tags: ['models'],
      summary: 'Score a model on a stored dataset: accuracy, log loss, confusion matrix, precision/recall/F1, ROC AUC; for several sigmoid outputs, ' +
        'subset accuracy, Hamming loss and those per label; or MSE, RMSE, MAE, R²',
      description: 'Every row of the dataset is predicted as POST /v1/models/{ref}/predict would, and compared with its target. ' +
        'Definitions are scikit-learn\'s sklearn.metrics (see each field). The dataset must have the model\'s feature columns and targets of its kind.',
      params: ModelRefParams,
      body: EvaluateRequest,
      response: { 200: EvaluationResponse, ...problems(400, 404, 422) }
    }
  }, async (request) => {
    const { tenant } = request
    const ref = request.params.id
    const { datasetId } = request.body
    const { model } = await scoringInputs(fastify, ref, datasetId, tenant, true)
    const stored = await fastify.datasets.getMatrices(datasetId, tenant)
    if (!stored) throw new DATASET_NOT_FOUND(datasetId)
    const scored = await scoreModel(model, {
      dataset: stored.dataset,
      columns: datasetColumns(stored.meta),
      ...(stored.meta.classes ? { classes: stored.meta.classes } : {}),
      ...(stored.meta.targetValues ? { targetValues: stored.meta.targetValues } : {}),
      targetNames: stored.meta.targetNames
    }, fastify.config.KERNELS)
    return { modelId: model.meta.id, datasetId, rows: stored.meta.rows, ...scored }
  })
}

export default evaluate
