/**
 * Whether Redis refuses a REDIS_URL's own settings: a wrong user or password (WRONGPASS), none where one is
 * needed (NOAUTH), a database number the server does not have. Waiting changes none of these, yet a process
 * that met one waited for Redis for ever: the worker even logged "worker started", and the API answered 503s
 * (an operator's trial). The processes check once at start and refuse to start with the reason. A Redis that
 * does not answer is not refused: the service waits for it, as it always has.
 */
import { Redis } from 'ioredis'
import { withoutPassword } from '../config.js'

/** The replies that name the connection's settings (Redis 6–7's words), not a passing state. */
const REFUSAL = /^(WRONGPASS|NOAUTH|ERR (DB index is out of range|invalid DB index|invalid password|AUTH <password> called without any password configured|Client sent AUTH, but no password is set))/

/** Redis's reply refusing `url`'s settings, or undefined when it took them or could not be reached within `timeoutMs`. */
export async function refusedSettings (url: string, timeoutMs = 3000): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: timeoutMs })
  let refusal: string | undefined
  // ioredis reports a refused AUTH or SELECT as an 'error' event (connect() itself says only "Connection is closed",
  // and a refused SELECT leaves the connection up on database 0)
  client.on('error', (err: Error) => { if (REFUSAL.test(err.message)) refusal ??= err.message })
  // connectTimeout bounds the TCP connect alone: a frozen Redis accepts it and then answers nothing, and the API and the
  // worker hung at start, silent (a retrial). The whole check is bounded, and an unanswered one is not a refusal
  let timer: NodeJS.Timeout | undefined
  const silent = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs) })
  try {
    await Promise.race([client.connect().catch(() => { /* refused (its reason was heard above) or unreachable */ }), silent])
  } finally {
    clearTimeout(timer)
    client.disconnect()
  }
  return refusal
}

/** The start-up refusal for `url`: what Redis said, and what to change. */
export function settingsRefusedMessage (url: string, reply: string): string {
  return `REDIS_URL (${withoutPassword(url)}): Redis refuses this connection's settings: "${reply}". Fix the user and password ` +
    '(redis://user:password@host:port/db) or the database number in REDIS_URL; waiting would not change it'
}
