/**
 * A list page's refresh: reads the page again every REFRESH_MS while any shown item is unfinished
 * (queued or running) and the page is shown, and hands each read to `fill`. A failed read is skipped.
 */
const REFRESH_MS = 3000
const FINAL = new Set(['succeeded', 'failed', 'cancelled'])

export const unfinished = (items: ReadonlyArray<{ status: string }>): boolean => items.some((i) => !FINAL.has(i.status))

export function refreshWhileUnfinished<T extends { status: string }> (signal: AbortSignal, first: readonly T[], load: () => Promise<{ items: T[] }>, fill: (items: T[]) => void): void {
  if (!unfinished(first)) return
  void (async () => {
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS))
      if (signal.aborted) return
      const page = await load().catch(() => null)
      if (page && !signal.aborted) fill(page.items)
      if (page && !unfinished(page.items)) return
    }
  })()
}
