/**
 * A stored model's raw feature columns, as the serving protocols describe and read its inputs: the
 * columns its prediction pipeline reads (inference/model-inference.ts inputPipelineOf; data/model-inputs.ts rawColumnsOf).
 */
import { rawColumnsOf, type Preprocessing } from '../../data/model-inputs.js'
import type { ModelRecord } from '../../store/models.js'

export const columnsOf = (record: ModelRecord): Preprocessing['columns'] => rawColumnsOf(record.network.inputs, record).columns
