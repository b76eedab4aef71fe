/**
 * How the console names a dataset where several may look alike: two uploads of iris.csv are both
 * "iris (150 rows)", and a dataset uploaded without a name is named by the server after its id
 * (src/store/datasets.ts). Pickers and lists add the upload time and a short id to tell them apart.
 */
import { count, when } from './dom.js'
import type { Dataset } from './types.js'

/** The id's prefix and first 8 characters (ds_89fd557c): enough to tell a tenant's datasets apart at a glance. */
export const shortId = (id: string): string => {
  const cut = id.indexOf('_') + 1
  return id.slice(0, cut + 8)
}

/** The dataset's name, or "(unnamed)" where the server named it after its id. */
export const datasetName = (d: Pick<Dataset, 'id' | 'name'>): string => (d.name === d.id ? '(unnamed)' : d.name)

/** A picker's option text: "iris · 150 rows · 30/11/2026, 12:36:50 · ds_89fd557c". */
export const datasetOption = (d: Pick<Dataset, 'id' | 'name' | 'rows' | 'createdAt'>): string =>
  `${datasetName(d)} · ${count(d.rows, 'row')} · ${when(d.createdAt)} · ${shortId(d.id)}`
