/** What every page receives from the shell (main.ts), and in-console navigation. */
export interface Route { params: string[], query: URLSearchParams, signal: AbortSignal }

export function go (hash: string): void { location.hash = hash }
