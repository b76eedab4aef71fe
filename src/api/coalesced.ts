/**
 * A read that many events ask for but only the latest answer matters: one run in flight at a time,
 * and one more after it when asked while it ran, however many times that was. The event streams use
 * it (routes/training-jobs.ts's catch-up, routes/sweeps.ts's refresh): a fast job's epochs or a
 * sweep's trials can arrive thousands of times a second, and one read per event once filled Redis's
 * output buffers (22.5 GB and an OOM kill).
 *
 * The returned function resolves when a run that began after the call has finished, so a caller
 * that awaits it has seen everything stored before it asked; a failed run rejects the callers waiting
 * on it, and the next call runs again.
 */
export function coalesced (run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  let again = false
  return () => {
    if (running !== null) { again = true; return running }
    running = (async () => {
      try {
        do { again = false; await run() } while (again)
      } finally { running = null }
    })()
    return running
  }
}
