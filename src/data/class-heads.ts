/**
 * What an output head learns from a dataset's targets, decided by the whole target column and the
 * head, never by one cell. Label columns are stored one-hot; a single numeric column keeps its
 * numbers and its distinct values, so that a softmax head (or one sigmoid unit on two integer codes)
 * learns them as classes in natural order, labelled "0", "1", … (MNIST, scikit-learn, PyTorch's
 * CrossEntropyLoss and Keras's sparse categorical loss all store classes this way), while an
 * identity head regresses on them. Pure; used at admission, in training and when scoring.
 */
import type { Dataset } from '../nn/dataset.js'
import { oneHot } from '../nn/dataset.js'
import type { HeadName, NetworkSpec } from '../nn/spec.js'
import { heads, type Head } from '../nn/heads.js'
import { counted } from '../nn/counted.js'
import { mergedText, type MergedIntegers } from './upload-warnings.js'

/** What admission and training know of a dataset's targets (its stored metadata). */
export interface TargetInfo {
  readonly id: string
  readonly outputs: number
  readonly classes?: string[]
  readonly targetValues?: number[]
  readonly targetNames: string[]
  /** A single numeric target column whose distinct integers float32 made one: it has no targetValues (data/upload-warnings.ts). */
  readonly targetMerged?: MergedIntegers
}

/** How the stored targets become the head's targets. */
export type HeadTargets =
  | { readonly kind: 'as-stored', readonly classes?: string[] }
  /** two one-hot label columns → one 0/1 column (classes[1]) for one sigmoid unit */
  | { readonly kind: 'label-binary', readonly classes: string[] }
  /** a numeric column of class codes → one-hot over `values` (softmax) */
  | { readonly kind: 'codes-one-hot', readonly classes: string[], readonly values: number[] }
  /** a numeric column of two integer codes → 1 for values[1], else 0 (one sigmoid unit) */
  | { readonly kind: 'codes-binary', readonly classes: string[], readonly values: number[] }

/** A value that can be a class code: a whole number a code is written with (-3.2e38 is whole in float arithmetic, and no code). */
const isCode = (v: number): boolean => Number.isSafeInteger(v)

/**
 * Whether a numeric column with these distinct values is a column of class codes for the head: always
 * for a head that learns one-hot rows; for a head that learns probabilities only two integer codes
 * (0.2 and 0.7 are probabilities, 0 and 1 or 3 and 7 are classes); never for a regression head.
 */
function readsAsCodes (head: Head, values: readonly number[] | undefined): values is number[] {
  if (values === undefined || head.unitsForClasses(values.length) === null) return false
  return head.targets === 'one-hot' || (head.targets === 'probabilities' && values.every(isCode))
}

/**
 * For a head that does not read a column of several integer codes as classes: the hint that a softmax
 * output does (its number of units and the classes), so that a wrong head is not "fixed" into a
 * regression on class codes. Empty when the targets are not such a column.
 */
export function codesHint (t: TargetInfo): string {
  const values = t.outputs === 1 ? t.targetValues : undefined
  if (!values || values.length < 3 || !values.every(isCode)) return ''
  const shown = values.length > 20 ? `${values.slice(0, 20).join(', ')}, …` : values.join(', ')
  return `; if '${t.targetNames[0] ?? 'the target'}' holds class codes (${values.length} classes: ${shown}), ` +
    `use a softmax output of ${values.length} units (or leave output.units out) to learn them as classes`
}

/** Output units a head needs for these targets (taken when a job leaves output.units out). */
export function unitsFor (name: HeadName, t: TargetInfo): number {
  const head = heads[name]
  if (t.classes) return head.unitsForClasses(t.classes.length) ?? t.outputs
  if (head.targets === 'one-hot') return t.targetValues?.length ?? t.outputs
  return readsAsCodes(head, t.targetValues) ? head.unitsForClasses(t.targetValues.length)! : t.outputs
}

/**
 * Why a head cannot read a dataset's targets. `ofDataset`: the targets themselves are the problem (a single
 * class, class codes float32 cannot tell apart), which no network fixes: a 422 about the dataset, as for a
 * sigmoid column that never changes; otherwise the network does not fit them (a 400 naming the number it
 * should be and why).
 */
export interface HeadTargetsError { readonly error: string, readonly ofDataset?: true }

/** How `spec`'s head reads the targets, or why it cannot. */
export function headTargets (spec: Pick<NetworkSpec, 'output'>, t: TargetInfo): HeadTargets | HeadTargetsError {
  const { units } = spec.output
  const head = heads[spec.output.activation]
  const name = t.targetNames[0] ?? 'the target'
  if (t.classes) {
    if (t.classes.length < 2) {
      return { ofDataset: true, error: `every target of dataset '${t.id}' is the class ${JSON.stringify(t.classes[0])}; a classifier needs at least two classes: upload rows of the other classes too (a dataset of one class can still score a model: POST /v1/models/:id/evaluate)` }
    }
    // label columns are stored one-hot; a head that reads the classes in fewer units (one sigmoid unit on two) gets one 0/1 column
    const fewer = head.unitsForClasses(t.classes.length)
    if (fewer !== null && fewer < t.outputs && units === fewer) return { kind: 'label-binary', classes: t.classes }
    if (units !== t.outputs) {
      return { error: `the network has ${counted(units, 'output unit')}; dataset '${t.id}' has ${t.outputs} classes: ${t.classes.join(', ')}` + (fewer !== null && fewer < t.outputs ? ` (or ${fewer} ${head.name} unit)` : '') }
    }
    return { kind: 'as-stored', classes: t.classes }
  }
  const values = t.outputs === 1 ? t.targetValues : undefined
  if (head.targets === 'one-hot') {
    if (!values && t.targetMerged) {
      return {
        ofDataset: true,
        error: `target column '${name}' of dataset '${t.id}' holds integers past 16,777,216, which the float32 a dataset stores cannot tell apart: ` +
          `${mergedText(t.targetMerged)}; if they are class labels, upload them as labels (CSV: ?categorical=true; JSON: as strings), or use an identity output to regress on them`
      }
    }
    if (!values) {
      return {
        error: t.outputs > 1
          ? `a softmax output needs one column of class labels or class codes; dataset '${t.id}' has ${t.outputs} numeric target columns: use an identity output for regression`
          : `a softmax output needs class labels or class codes; target column '${name}' of dataset '${t.id}' has more distinct values than MAX_CLASSES: use an identity output for regression`
      }
    }
    if (values.length < 2) return { ofDataset: true, error: `target column '${name}' of dataset '${t.id}' holds only the value ${values[0]}; a classifier needs at least two classes: upload rows of the other classes too, or use an identity output to regress on the value` }
    if (units !== values.length) {
      return { error: `the network has ${counted(units, 'output unit')}; dataset '${t.id}' has ${values.length} classes: ${values.join(', ')} (the distinct values of '${name}')` }
    }
    return { kind: 'codes-one-hot', classes: values.map(String), values }
  }
  if (readsAsCodes(head, values) && units === head.unitsForClasses(values.length)) return { kind: 'codes-binary', classes: values.map(String), values }
  if (units !== t.outputs) return { error: `the network has ${counted(units, 'output unit')}; dataset '${t.id}' has ${counted(t.outputs, 'target column')} (${t.targetNames.join(', ')})${codesHint(t)}` }
  return { kind: 'as-stored' }
}

/** Classes with fewer rows than this on average, read from a numeric column, look like a quantity rather than codes. */
const ROWS_PER_CODE = 5

/**
 * A warning when a numeric target column was read as class codes (a softmax output on numbers) but
 * looks like a quantity: fractional values, or so many distinct values that the average class has
 * fewer than ROWS_PER_CODE rows (diabetes' progression: 214 classes over 442 rows). Null otherwise.
 */
export function codesWarning (how: HeadTargets, t: TargetInfo, rows: number): string | null {
  if (how.kind !== 'codes-one-hot') return null
  const n = how.values.length
  const fractional = !how.values.every(Number.isInteger)
  if (!fractional && rows / n >= ROWS_PER_CODE) return null
  const name = t.targetNames[0] ?? 'the target'
  return `target column '${name}' was learned as ${n} classes (its distinct ${fractional ? 'values, some not whole numbers' : `values, ${(rows / n).toFixed(1)} rows a class`}); ` +
    'if it is a quantity to predict, train a regression: an identity output'
}

/**
 * A warning when a head trains on class labels (one class per row) as something else. A regression head
 * (identity) fits their one-hot columns by squared error, which is allowed (the lecture's identity +
 * squared-error head), but its predictions are numbers per class with no labels. Several sigmoid units
 * learn them as independent yes/no labels (multi-label, as scikit-learn's MLPClassifier does only for
 * a label-indicator target), whose probabilities need not sum to 1 nor pick one class. Seldom what was
 * meant either way; null otherwise.
 */
export function labelsWarning (spec: Pick<NetworkSpec, 'output'>, how: HeadTargets): string | null {
  if (how.kind !== 'as-stored' || how.classes === undefined) return null
  const { activation, units } = spec.output
  if (activation === 'sigmoid' && units > 1) {
    return `the targets are class labels, one per row (${how.classes.join(', ')}); ${units} sigmoid units learned them as independent yes/no labels ` +
      '(multi-label), whose probabilities need not sum to 1 nor name one class: for one class per row use a softmax output'
  }
  if (heads[activation].targets !== 'values') return null
  return `the targets are class labels (${how.classes.join(', ')}); an ${activation} output fitted their one-hot columns by squared error, ` +
    'and its predictions carry no labels: for a classifier use a softmax output (or one sigmoid unit for two classes)'
}

/** The dataset the head trains on, its targets converted as headTargets says. */
export function targetsForHead (how: HeadTargets, data: Dataset): Dataset {
  const { rows } = data
  switch (how.kind) {
    case 'as-stored': return data
    case 'label-binary': {
      const y = new Float32Array(rows)
      for (let r = 0; r < rows; r++) y[r] = data.y[2 * r + 1]
      return { ...data, y, outputs: 1 }
    }
    case 'codes-binary': {
      const one = Math.fround(how.values[1])
      return { ...data, y: Float32Array.from(data.y, (v) => (v === one ? 1 : 0)), outputs: 1 }
    }
    case 'codes-one-hot': {
      const index = new Map(how.values.map((v, k) => [Math.fround(v), k]))
      const labels = Int32Array.from(data.y, (v) => index.get(v) ?? -1)
      return { ...data, y: oneHot(labels, how.values.length), outputs: how.values.length }
    }
  }
}
