/** A window of a list, newest first: `offset` records skipped, at most `limit` returned. */
export interface Page { readonly offset?: number, readonly limit?: number }

/** ZREVRANGE start and stop (inclusive) for a page; the whole list when no limit is given. */
export function rangeOf ({ offset = 0, limit }: Page = {}): [number, number] {
  return [offset, limit === undefined ? -1 : offset + limit - 1]
}
