/**
 * A model name's signature, kept across versions unless a request opts out. A client that names a
 * model by its name (`iris`, `iris@latest`) sends the newest version's feature columns and reads its
 * outputs; a new version that takes other columns or answers other outputs breaks that client. So a
 * job, a sweep or an import that stores a new version of an existing name is refused before anything
 * is queued or stored (409) when it would change the signature, naming each difference, unless it says
 * `allowSignatureChange: true` (an import: `?allowSignatureChange=true`, its body being an export).
 * The signature is what the serving answers are built from (model responses' featureNames, predict's
 * rows and labels, TF Serving's and KServe's metadata): the raw feature columns (names in order, and
 * kinds: a categorical column takes category strings), the head, its units, and the classes (or the
 * regression targets) in output order. A categorical column's categories are not part of it: new
 * categories in this month's data still take the same rows, and unseen ones are reported at predict.
 * A job is checked against the newest version when it is admitted, not again when its model is stored.
 */
import { CONFLICT, withProblem } from '../errors.js'
import type { HeadName, NetworkSpec } from '../nn/spec.js'
import { headTargets } from '../data/class-heads.js'
import { datasetColumns } from '../data/dataset-columns.js'
import type { DatasetMeta } from '../store/datasets.js'
import type { ModelRecord, ModelRepository } from '../store/models.js'

export interface ModelSignature {
  /** The raw feature columns a prediction row holds, in order. */
  readonly columns: ReadonlyArray<{ readonly name: string, readonly kind: 'numeric' | 'categorical' }>
  readonly head: HeadName
  readonly units: number
  /**
   * In output order: the class labels of a classifier, a classifier's classes numbered when it has no
   * labels (an import without `classes`), else the target names.
   */
  readonly outputs: { readonly kind: 'classes' | 'unlabelled classes' | 'targets', readonly names: readonly string[] }
}

const numbered = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** A stored (or imported) model's signature, named as its GET answer names it (featureNames, targetNames, classes). */
export function signatureOfModel (m: Pick<ModelRecord, 'network' | 'featureNames' | 'preprocessing' | 'classes' | 'targetNames'>): ModelSignature {
  const kinds = m.preprocessing?.columns
  const names = m.featureNames ?? kinds?.map((c) => c.name) ?? numbered('x', m.network.inputs)
  return {
    columns: names.map((name, i) => ({ name, kind: kinds?.[i]?.kind ?? 'numeric' })),
    head: m.network.output.activation,
    units: m.network.output.units,
    outputs: outputsOfModel(m)
  }
}

/**
 * A model's outputs by name. A softmax without labels (imported without `classes`) answers one
 * probability per class, not the targets its export may still name (iris's one "species"); a target
 * list that does not match the units is not theirs either.
 */
function outputsOfModel (m: Pick<ModelRecord, 'network' | 'classes' | 'targetNames'>): ModelSignature['outputs'] {
  const { activation, units } = m.network.output
  if (m.classes) return { kind: 'classes', names: m.classes }
  if (activation === 'softmax') return { kind: 'unlabelled classes', names: numbered('class', units) }
  return { kind: 'targets', names: m.targetNames?.length === units ? m.targetNames : numbered('y', units) }
}

/** The signature of the model an admitted job on this dataset will store (as training-processor.ts records it). */
export function signatureOfJob (spec: NetworkSpec, meta: DatasetMeta): ModelSignature {
  const how = headTargets(spec, meta)
  const classes = 'classes' in how ? how.classes : undefined
  return {
    columns: datasetColumns(meta).map((c) => ({ name: c.name, kind: c.kind })),
    head: spec.output.activation,
    units: spec.output.units,
    outputs: classes ? { kind: 'classes', names: classes } : { kind: 'targets', names: meta.targetNames }
  }
}

/** Names, the first few of them: `4 columns (a, b, c, d)`. */
function listed (what: string, names: readonly string[]): string {
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ')
  const noun = names.length === 1 ? what.replace(/es$|s$/, '') : what
  return `${names.length} ${noun} (${shown})`
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** Each difference between two signatures, as `what: before → after`; empty when they are the same. */
export function signatureChanges (before: ModelSignature, after: ModelSignature): string[] {
  const changes: string[] = []
  const [was, now] = [before.columns.map((c) => c.name), after.columns.map((c) => c.name)]
  if (!same(was, now)) changes.push(`inputs: ${listed('columns', was)} → ${listed('columns', now)}`)
  else {
    before.columns.forEach((c, i) => {
      if (c.kind !== after.columns[i].kind) changes.push(`column '${c.name}': ${c.kind} → ${after.columns[i].kind}`)
    })
  }
  if (before.head !== after.head) changes.push(`output: ${before.head} → ${after.head}`)
  if (before.units !== after.units) changes.push(`output units: ${before.units} → ${after.units}`)
  const [o, n] = [before.outputs, after.outputs]
  if (o.kind !== n.kind || !same(o.names, n.names)) changes.push(`outputs: ${listed(o.kind, o.names)} → ${listed(n.kind, n.names)}`)
  return changes
}

export interface SignatureCheck {
  readonly models: ModelRepository
  readonly tenant?: string
  /** The request's modelName, and whether it opted in to a change. */
  readonly name: string
  readonly allowChange: boolean
  /** What would be stored, for the message: "this job's model", "this sweep's best model". */
  readonly subject: string
  /** The request's field that names the model, and how it opts in (BODY_OPT_IN, IMPORT_OPT_IN). */
  readonly field: string
  readonly optIn: string
}

/** How a request names the model and opts in, for the refusal's `field` and hint: a job's and a sweep's body, or an import. */
export const BODY_OPT_IN = { field: 'modelName', optIn: 'send "allowSignatureChange": true' } as const
export const IMPORT_OPT_IN = { field: 'name', optIn: 'import it with ?allowSignatureChange=true' } as const

/**
 * Refuses (409, the request's field, `changes` listing each difference) a job or import that would store
 * a version of `name` with another signature than its newest version's. `label` prefixes the message (a sweep's trial).
 */
export async function checkSignatureKept (check: SignatureCheck, jobs: ReadonlyArray<{ signature: ModelSignature, label?: string }>): Promise<void> {
  if (check.allowChange || jobs.length === 0) return
  const newest = await check.models.latest(check.name, check.tenant)
  if (!newest) return
  const before = signatureOfModel(newest)
  for (const { signature, label } of jobs) {
    const changes = signatureChanges(before, signature)
    if (changes.length === 0) continue
    const n = check.name
    throw withProblem(new CONFLICT(`${label === undefined ? '' : `${label}: `}${check.subject}, stored as the next version of '${n}', would change ` +
      `the signature of its newest (version ${newest.version}, ${newest.id}): ${changes.join('; ')}. Clients that call ${n} or ${n}@latest would then get ` +
      `a model that takes other inputs or answers other outputs: use another ${check.field}, or ${check.optIn} to change it on purpose`),
    { field: check.field, changes })
  }
}
