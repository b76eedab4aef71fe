/**
 * A stored model's raw feature columns, as the serving protocols describe and read its inputs: the
 * columns its prediction pipeline reads (inference/model-inference.ts inputPipelineOf): its
 * preprocessing's columns (names, kinds, categories), or, for a model stored before columns had kinds,
 * numeric columns x0, x1, ….
 */
import { numericColumns, type Preprocessing } from '../../data/model-inputs.js'
import type { ModelRecord } from '../../store/models.js'

export const columnsOf = (record: ModelRecord): Preprocessing['columns'] =>
  (record.preprocessing ?? numericColumns(record.network.inputs)).columns
