/**
 * Caps on open server-sent-event streams, shared by every kind of stream (a training job's, a
 * sweep's): at most `perStream` streams on one followed thing and `perTenant` streams of one tenant
 * across all of them, so that one caller cannot hold thousands of sockets by spreading them over
 * jobs and sweeps. Counting only: who delivers the events is job-followers.ts or routes/sweeps.ts.
 */

export interface StreamCaps {
  /**
   * Takes one place for a stream on `stream` (namespaced, e.g. `job:<id>`, `sweep:<id>`) for
   * `tenant`; null when either cap is reached. The returned function gives it back (idempotent).
   */
  take (stream: string, tenant: string): (() => void) | null
  /** Streams open now, of every kind. */
  count (): number
}

export function createStreamCaps ({ perStream, perTenant }: { perStream: number, perTenant: number }): StreamCaps {
  const perStreamCount = new Map<string, number>()
  const perTenantCount = new Map<string, number>()
  let total = 0
  const bump = (counts: Map<string, number>, key: string, by: number): void => {
    const n = (counts.get(key) ?? 0) + by
    if (n === 0) counts.delete(key)
    else counts.set(key, n)
  }
  return {
    take (stream, tenant) {
      if ((perStreamCount.get(stream) ?? 0) >= perStream || (perTenantCount.get(tenant) ?? 0) >= perTenant) return null
      bump(perStreamCount, stream, 1)
      bump(perTenantCount, tenant, 1)
      total++
      let released = false
      return () => {
        if (released) return
        released = true
        bump(perStreamCount, stream, -1)
        bump(perTenantCount, tenant, -1)
        total--
      }
    },
    count: () => total
  }
}
