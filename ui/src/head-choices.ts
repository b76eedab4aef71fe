/**
 * The output heads the job form offers for a dataset (pure: tested without a browser,
 * test/ui/head-choices.test.ts).
 */
import type { Dataset, LayerSpec } from './types.js'

/** The server's bound below which a numeric target's values look like a quantity, not class codes (rows a value; src/data/class-heads.ts). */
const ROWS_PER_CODE = 5

/** A choice of output head for a dataset: the server fills in `units` from the dataset when it is left out. */
export interface HeadChoice { readonly value: string, readonly label: string, readonly output: LayerSpec }

/**
 * The heads that fit a dataset, the first the default; none for labels of one class. Labels: softmax over the classes (one sigmoid unit
 * for two). A numeric target: regression, or its distinct values as classes (as the API reads them, e.g.
 * digits 0-9) when they are whole numbers with enough rows each — the default when they are few.
 */
export function headChoices (d: Dataset): HeadChoice[] {
  if (d.classes) {
    // one class: nothing to tell apart, and no head the API takes (the job form says so instead)
    if (d.classes.length < 2) return []
    const softmax = { value: 'softmax', label: `softmax over ${d.classes.length} classes`, output: { units: d.outputs, activation: 'softmax' } }
    return d.classes.length === 2
      ? [softmax, { value: 'sigmoid', label: 'one sigmoid unit (binary)', output: { units: 1, activation: 'sigmoid' } }]
      : [softmax]
  }
  const regression = { value: 'identity', label: `identity: regression on ${d.targetNames.join(', ')}`, output: { units: d.outputs, activation: 'identity' } }
  const values = d.targetValues
  if (d.outputs !== 1 || values === undefined || values.length < 2) return [regression]
  // values that read as a quantity (fractions, or under ROWS_PER_CODE rows a value: diabetes' 214 over 442 rows) are not offered as
  // classes; the API still takes such a job, with a warning (src/data/class-heads.ts codesWarning)
  if (!values.every(Number.isSafeInteger) || d.rows / values.length < ROWS_PER_CODE) return [regression]
  const shown = values.length <= 6 ? values.join(', ') : `${values.slice(0, 3).join(', ')}, …, ${values[values.length - 1]}`
  const classes = { value: 'softmax', label: `softmax: the ${values.length} values (${shown}) as classes`, output: { units: values.length, activation: 'softmax' } }
  const binary = values.length === 2 ? [{ value: 'sigmoid', label: `one sigmoid unit: ${values.join(' / ')} as a binary class`, output: { units: 1, activation: 'sigmoid' } }] : []
  return values.length <= 20 ? [classes, ...binary, regression] : [regression, classes, ...binary]
}

