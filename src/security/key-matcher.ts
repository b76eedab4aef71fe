/**
 * Finds the configured key a client presented, in time that does not depend on which key (if any)
 * matches or how many leading bytes agree. No HTTP here; api/plugins/auth.ts reads the headers.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { ApiKeyEntry, Scope } from './api-keys.js'

export interface Principal {
  /** A stable, non-secret id of the key (first 16 hex digits of its sha256): for rate limits and logs. */
  readonly keyId: string
  readonly tenant: string
  readonly scopes: ReadonlySet<Scope>
}

export interface KeyMatcher {
  readonly size: number
  match (presented: string): Principal | null
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/** `admin` grants every scope. */
export const allows = (principal: Pick<Principal, 'scopes'>, scope: Scope): boolean =>
  principal.scopes.has(scope) || principal.scopes.has('admin')

/**
 * Every configured key is hashed once here. A presented key is hashed to the same 32 bytes and compared
 * with timingSafeEqual against every configured digest, with no early exit: neither the length of the
 * presented key nor its position in the table shows in the time taken.
 */
export function createKeyMatcher (entries: readonly ApiKeyEntry[], compare: (a: Buffer, b: Buffer) => boolean = timingSafeEqual): KeyMatcher {
  const table = entries.map((e) => {
    const digest = sha256(e.key)
    return { digest, principal: { keyId: digest.toString('hex').slice(0, 16), tenant: e.tenant, scopes: new Set(e.scopes) } satisfies Principal }
  })
  return {
    size: table.length,
    match (presented) {
      const digest = sha256(presented)
      let found: Principal | null = null
      for (const row of table) {
        // compare every row even after a match, so the time does not reveal the position
        const equal = compare(row.digest, digest)
        if (equal && found === null) found = row.principal
      }
      return found
    }
  }
}
