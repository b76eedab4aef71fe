/**
 * Predictions for every row of a stored dataset as a stream of text: one line per row, in CSV or
 * NDJSON (or a JSON array of the NDJSON objects, one a line). Rows are read, run (model-inference.ts) and formatted a block at a time, and the next block
 * is produced only when the client has taken the last (Readable.from pulls), so memory holds one
 * block whatever the row count, and the event loop runs other requests between blocks.
 */
import type { FeatureRowReader } from '../../store/dataset-rows.js'
import type { KernelName } from '../../kernels/index.js'
import type { ModelRecord } from '../../store/models.js'
import { predictionOf } from '../prediction-output.js'
import { hasLabels } from '../../inference/model-inference.js'
import type { FeatureColumn } from '../../data/feature-columns.js'
import { createRowInference, INFERENCE_CHUNK, type InferenceModel } from './model-inference.js'

export const PREDICTION_MEDIA_TYPES = { ndjson: 'application/x-ndjson', csv: 'text/csv', json: 'application/json' } as const
export type PredictionFormat = keyof typeof PREDICTION_MEDIA_TYPES

/**
 * The format an Accept header asks for (RFC 9110 §12.5.1: the highest q wins; the first listed on a tie);
 * no header or any wildcard: NDJSON. application/json: one JSON array of the NDJSON lines' objects, for
 * clients that parse a whole JSON body. Null when none of the three is acceptable (a 406).
 */
export function chooseFormat (accept: string | undefined): PredictionFormat | null {
  if (!accept) return 'ndjson'
  let best: { format: PredictionFormat, q: number } | null = null
  for (const range of accept.split(',')) {
    const [type, ...params] = range.trim().toLowerCase().split(';').map((s) => s.trim())
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1)
    const format: PredictionFormat | null = type === 'text/csv' ? 'csv' : type === 'application/json' ? 'json'
      : type === 'application/x-ndjson' || type === 'application/jsonl' || type === '*/*' || type === 'application/*' ? 'ndjson'
        : type === 'text/*' ? 'csv' : null
    if (format && q > 0 && (!best || q > best.q)) best = { format, q }
  }
  return best?.format ?? null
}

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s)

/** Names of the output columns (class probabilities by class, else the target names), and whether rows get labels (hasLabels() in inference/model-inference.ts). */
function columnsOf (meta: ModelRecord): { names: string[], labelled: boolean } {
  const { classes, network, targetNames } = meta
  const K = network.output.units
  // one unit per class is that class's probability; one unit on two classes is the second's
  if (hasLabels(network, classes)) return { names: K === classes!.length ? classes! : classes!.slice(-K), labelled: true }
  return { names: targetNames && targetNames.length === K ? targetNames : Array.from({ length: K }, (_, k) => `y${k}`), labelled: false }
}

/**
 * Lines for rows [0, rows): `row` (0-based), the outputs as predict answers them (probabilities, or values
 * in the targets' units) and, for classifiers with classes, the `label`. CSV starts with a header line.
 * A non-finite output throws NON_FINITE_OUTPUT (from predictionOf), as predict would.
 */
export async function * predictionLines (model: InferenceModel & { meta: ModelRecord }, reader: FeatureRowReader, rows: number,
  format: PredictionFormat, kernels: KernelName, columns?: readonly FeatureColumn[], block = INFERENCE_CHUNK): AsyncGenerator<string> {
  const inference = createRowInference(model, kernels, columns)
  const { names, labelled } = columnsOf(model.meta)
  if (format === 'csv') yield ['row', ...names, ...(labelled ? ['label'] : [])].map(csvField).join(',') + '\n'
  if (format === 'json') yield '['
  for (let from = 0; from < rows; from += block) {
    const n = Math.min(block, rows - from)
    const x = await reader.read(from, from + n)
    let prediction
    try {
      prediction = predictionOf(inference.model, inference.run(x, n), n)
    } catch (err) {
      // the row within the block → the row of the dataset
      const problem = (err as { problem?: { row?: number } }).problem
      if (problem?.row !== undefined) Object.assign(err as object, { message: (err as Error).message.replace(`row ${problem.row}`, `row ${from + problem.row}`), problem: { ...problem, row: from + problem.row } })
      throw err
    }
    const { outputs, labels } = prediction
    let text = ''
    for (let r = 0; r < n; r++) {
      if (format === 'csv') text += `${from + r},${outputs[r].join(',')}${labels ? `,${csvField(labels[r])}` : ''}\n`
      else {
        // categories the model never saw, scored as all zeros, are named on their row (as predict names them)
        const unknown = inference.remaps ? inference.unknownInRow(x, r) : null
        const line = JSON.stringify({ row: from + r, outputs: outputs[r], ...(labels ? { label: labels[r] } : {}), ...(unknown ? { unknownCategories: unknown } : {}) })
        text += format === 'json' ? `${from + r === 0 ? '' : ','}${line}\n` : `${line}\n`
      }
    }
    yield text
  }
  if (format === 'json') yield ']\n'
}
