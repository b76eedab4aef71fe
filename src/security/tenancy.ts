/**
 * Who owns a record: every dataset, network, model and training job carries the tenant that created it.
 * Pure helpers; the repositories and the queue apply them, so no route decides visibility on its own.
 */

/** The tenant of every request when the API is open (no API_KEYS), and the owner of records made before tenancy. */
export const LOCAL_TENANT = 'local'

export const ownerOf = (record: { readonly tenant?: string }): string => record.tenant ?? LOCAL_TENANT

/**
 * `tenant` undefined: no filter (internal callers such as the worker, which act for the job's tenant).
 * Otherwise only the owner sees a record; to anyone else it does not exist (404, like an unknown id).
 */
export const visibleTo = (record: { readonly tenant?: string }, tenant: string | undefined): boolean =>
  tenant === undefined || ownerOf(record) === tenant
