/**
 * How the console names a dataset where several may look alike: two uploads of iris.csv are both
 * "iris (150 rows)", and a dataset uploaded without a name is named by the server after its id
 * (src/store/datasets.ts). Pickers and lists add the upload time and a short id to tell them apart.
 */
import { count, h, when } from './dom.js'
import { ApiError, getJson } from './api.js'
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

/**
 * A page's link to the dataset it came from, by name with its short id ("iris · ds_89fd557c"); by
 * its id alone when the dataset could not be read (deleted since), marked so.
 */
export function datasetLink (id: string, dataset: Pick<Dataset, 'id' | 'name'> | undefined): Node {
  const href = `#/datasets/${encodeURIComponent(id)}`
  if (dataset === undefined) return h('span', {}, h('a', { href, class: 'dataset-link' }, id), ' (no longer stored)')
  return h('span', {}, h('a', { href, class: 'dataset-link', title: id }, datasetName(dataset)), ' · ', h('code', {}, shortId(id)))
}

/** The dataset, or undefined when the API answers a problem for it (a 404: deleted); other failures propagate. */
export const datasetOrNone = async (id: string): Promise<Dataset | undefined> =>
  await getJson<Dataset>(`/v1/datasets/${encodeURIComponent(id)}`).catch((err: unknown) => (err instanceof ApiError ? undefined : Promise.reject(err)))
