/**
 * API_KEYS: the key → tenant + scopes table, parsed from its compact form (`key:tenant:scope,scope;…`)
 * or a JSON array. Pure parsing; matching presented keys is key-matcher.ts. Messages never echo a key.
 */

export const SCOPES = ['read', 'predict', 'train', 'metrics', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

export interface ApiKeyEntry {
  readonly key: string
  readonly tenant: string
  readonly scopes: readonly Scope[]
}


const TENANT = /^[A-Za-z0-9_.-]{1,64}$/
// printable ASCII, no spaces (it travels in an HTTP header), and long enough not to be guessed: the 401s
// are not rate limited, so a short key could be found by trying
const KEY = /^[\x21-\x7e]{16,512}$/

const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s)

function entryOf (raw: { key?: unknown, tenant?: unknown, scopes?: unknown }, n: number): ApiKeyEntry {
  const where = `entry ${n}`
  if (typeof raw.key !== 'string' || !KEY.test(raw.key)) throw new Error(`${where}: the key must be 16-512 printable ASCII characters without spaces (e.g. from \`openssl rand -hex 24\`)`)
  if (typeof raw.tenant !== 'string' || !TENANT.test(raw.tenant)) {
    throw new Error(`${where}: the tenant must be 1-64 of A-Z a-z 0-9 _ . -`)
  }
  const scopes = Array.isArray(raw.scopes) ? raw.scopes.map(String) : []
  if (scopes.length === 0) throw new Error(`${where} (tenant ${raw.tenant}): list at least one scope of ${SCOPES.join(', ')}`)
  const unknown = scopes.find((s) => !isScope(s))
  if (unknown !== undefined) throw new Error(`${where} (tenant ${raw.tenant}): unknown scope '${unknown}'; use ${SCOPES.join(', ')}`)
  return { key: raw.key, tenant: raw.tenant, scopes: [...new Set(scopes as Scope[])] }
}

function parseCompact (text: string): ApiKeyEntry[] {
  return text.split(';').map((s) => s.trim()).filter((s) => s !== '').map((item, i) => {
    const parts = item.split(':')
    if (parts.length !== 3) throw new Error(`entry ${i + 1}: expected key:tenant:scope[,scope…] (3 fields separated by ':'), got ${parts.length} fields`)
    const [key, tenant, scopes] = parts.map((p) => p.trim())
    return entryOf({ key, tenant, scopes: scopes.split(',').map((s) => s.trim()).filter((s) => s !== '') }, i + 1)
  })
}

function parseJson (text: string): ApiKeyEntry[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error('starts with [ but is not valid JSON; expected [{"key": …, "tenant": …, "scopes": [...]}, …]')
  }
  if (!Array.isArray(value)) throw new Error('expected a JSON array of {key, tenant, scopes}')
  return value.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw new Error(`entry ${i + 1}: expected an object {key, tenant, scopes}`)
    return entryOf(item, i + 1)
  })
}

/** '' or whitespace → no keys (the API runs open). Throws an Error whose message says what to fix, without any key in it. */
export function parseApiKeys (text: string): ApiKeyEntry[] {
  const trimmed = text.trim()
  if (trimmed === '') return []
  const entries = trimmed.startsWith('[') ? parseJson(trimmed) : parseCompact(trimmed)
  const seen = new Set<string>()
  entries.forEach((e, i) => {
    if (seen.has(e.key)) throw new Error(`entry ${i + 1} (tenant ${e.tenant}) repeats an earlier key; every key must be unique`)
    seen.add(e.key)
  })
  return entries
}
