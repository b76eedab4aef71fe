/**
 * What an ONNX file says about itself besides the graph: the model's metadata_props (string → string;
 * lists and maps as JSON text) and the doc strings of the model and its input. The keys:
 *   feature_names   JSON array: the raw input columns, in the order of the input's second dimension
 *   categories      JSON object: per categorical column, its categories in code order (code k = categories[k])
 *   untrained_categories  JSON object: per categorical column that has some, the categories no training row held,
 *                   which encode as all zeros whatever their code (data/model-inputs.ts ModelColumn)
 *   classes         JSON array: class labels in the order of `probabilities`; `label` indexes it
 *   target_names    JSON array: the regression targets, in the order of `variable`
 *   imputer_strategy  scikit-learn SimpleImputer's strategy, when missing cells are imputed
 *   model_id, model_name, model_version  the stored model it was exported from
 */
import type { Preprocessing } from '../data/model-inputs.js'
import type { onnx } from 'onnx-proto'

export interface ModelIdentity {
  readonly id: string
  readonly name: string
  readonly version: number
  readonly classes?: readonly string[]
  readonly targetNames?: readonly string[]
}

export function metadataProps (model: ModelIdentity, pre: Preprocessing): onnx.IStringStringEntryProto[] {
  const categorical = pre.columns.filter((c) => c.kind === 'categorical')
  const untrained = categorical.filter((c) => c.untrainedCategories?.length)
  const props: Record<string, string | undefined> = {
    feature_names: JSON.stringify(pre.columns.map((c) => c.name)),
    categories: categorical.length > 0 ? JSON.stringify(Object.fromEntries(categorical.map((c) => [c.name, c.categories]))) : undefined,
    untrained_categories: untrained.length > 0 ? JSON.stringify(Object.fromEntries(untrained.map((c) => [c.name, c.untrainedCategories]))) : undefined,
    classes: model.classes ? JSON.stringify(model.classes) : undefined,
    target_names: model.targetNames ? JSON.stringify(model.targetNames) : undefined,
    imputer_strategy: pre.imputer?.strategy,
    model_id: model.id,
    model_name: model.name,
    model_version: String(model.version)
  }
  return Object.entries(props).filter((e): e is [string, string] => e[1] !== undefined).map(([key, value]) => ({ key, value }))
}

/** How to feed the input: the column order and how a categorical or missing cell is written as a float. */
export function inputDoc (pre: Preprocessing): string {
  const columns = pre.columns.map((c) => (c.kind === 'categorical' ? `${c.name} (category code 0..${c.categories!.length - 1})` : c.name))
  const missing = pre.imputer
    ? `NaN marks a missing cell (imputed: ${pre.imputer.strategy})`
    : 'no cell may be missing (the model was trained without a missing-value strategy, so NaN is not imputed)'
  return `Raw feature rows [N × ${pre.columns.length}], float32: ${columns.join(', ')}. ` +
    'A categorical column holds the index of its category in metadata categories[column]; any other code (e.g. -1) is an unseen category, encoded as all zeros' +
    (pre.columns.some((c) => c.untrainedCategories?.length) ? ', as are the codes of metadata untrained_categories (no training row held them). ' : '. ') +
    `${missing}.`
}
