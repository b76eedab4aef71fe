/**
 * What a prediction checks each value against, per raw feature column of a model: its name, and for a
 * categorical column its categories' indices, whether a number may name one, and a few of them for
 * messages. Built once per input pipeline (a loaded model keeps its own) rather than per request.
 */
import { NUMBER } from '../data/cells.js'
import type { InputPipeline } from '../data/model-inputs.js'
import { nameIndex } from '../data/name-index.js'

export interface PredictionColumns {
  readonly names: readonly string[]
  /** categorical columns: category → its index (one-hot position); undefined for a numeric column */
  readonly index: ReadonlyArray<ReadonlyMap<string, number> | undefined>
  /**
   * categorical columns: whether a JSON number may name a category. Only when some category is written
   * as a number (a numeric column declared categorical, such as zip codes, or a mostly-text column with
   * a few numbers): there 94105 is a category as "94105" is. Elsewhere a number is the wrong type, not an
   * unknown category: 1 for a colour is a one-hot index or a shifted row, which `ignore` would
   * silently encode as all zeros.
   */
  readonly takesNumbers: readonly boolean[]
  /** categorical columns: its first categories, quoted, for messages (`"blue", "red"`, or `"a", …, "e", … (12 in all)`) */
  readonly shown: readonly string[]
}

/** Whether a number may name a category of this column (PredictionColumns.takesNumbers): some category is written as one. */
export const takesNumbers = (column: { readonly categories?: readonly string[] }): boolean => column.categories?.some((k) => NUMBER.test(k)) ?? false

/** Categories listed in a message: enough to show their form, never a thousand of them. */
const SHOWN = 5

const byPipeline = new WeakMap<InputPipeline, PredictionColumns>()

export function predictionColumns (pipeline: InputPipeline): PredictionColumns {
  let columns = byPipeline.get(pipeline)
  if (columns === undefined) {
    const { columns: raw } = pipeline.preprocessing
    columns = {
      names: raw.map((c) => c.name),
      index: raw.map((c) => (c.categories ? nameIndex(c.categories, c.untrainedCategories) : undefined)),
      takesNumbers: raw.map(takesNumbers),
      shown: raw.map(({ categories: all = [] }) => all.slice(0, SHOWN).map((k) => JSON.stringify(k)).join(', ') +
        (all.length > SHOWN ? `, … (${all.length} in all)` : ''))
    }
    byPipeline.set(pipeline, columns)
  }
  return columns
}
