/** A stored dataset's feature columns, also for datasets stored before column kinds existed (all numeric, none missing). */
import type { FeatureColumn } from './feature-columns.js'

export function datasetColumns (meta: { readonly columns?: FeatureColumn[], readonly featureNames: string[] }): FeatureColumn[] {
  return meta.columns ?? meta.featureNames.map((name) => ({ name, kind: 'numeric', missing: 0 }))
}
