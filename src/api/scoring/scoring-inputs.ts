/**
 * The two reads every "score a model on a stored dataset" route starts with: the model by reference
 * (withModelRef: `name@latest` keeps answering while a version exists) with its weights, and the
 * dataset's metadata, checked against the model before any matrix is read (a dataset of other columns
 * is refused for the price of its metadata). 404 for either unknown, 422 when they do not fit.
 */
import { DATASET_NOT_FOUND } from '../../errors.js'
import type { DatasetMeta, DatasetRepository } from '../../store/datasets.js'
import type { ModelRepository, StoredModel } from '../../store/models.js'
import { withModelRef } from '../../store/model-ref.js'
import { checkDatasetFitsModel } from './model-inference.js'

export interface ScoringInputs { readonly model: StoredModel, readonly meta: DatasetMeta }

export async function scoringInputs (repos: { models: ModelRepository, datasets: DatasetRepository }, ref: string, datasetId: string,
  tenant: string, needTargets: boolean): Promise<ScoringInputs> {
  const model = await withModelRef(repos.models, ref, tenant, (id) => repos.models.getWeights(id, tenant))
  const meta = await repos.datasets.get(datasetId, tenant)
  if (!meta) throw new DATASET_NOT_FOUND(datasetId)
  checkDatasetFitsModel(model, meta, needTargets)
  return { model, meta }
}
