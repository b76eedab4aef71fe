/**
 * Category and class names → their index, as every path reads a name: as written, else trimmed. Uploads store
 * names trimmed (feature-columns.ts, encode-targets.ts); a model imported, or stored before that, may hold one
 * with spaces, which a trimmed name still finds. Of two stored names equal once trimmed, the first keeps it.
 * `untrained`: names left out (a model's untrainedCategories).
 */
export function nameIndex (names: readonly string[], untrained: readonly string[] = []): ReadonlyMap<string, number> {
  // a model's categories no training row held find no index: they read as categories it never saw (model-inputs.ts ModelColumn)
  const left = new Set(untrained)
  const index = new Map<string, number>()
  names.forEach((name, i) => { if (!left.has(name)) index.set(name, i) })
  names.forEach((name, i) => { const trimmed = name.trim(); if (!left.has(name) && !index.has(trimmed)) index.set(trimmed, i) })
  return index
}

/** A name's index in `index` (nameIndex): as written, else trimmed; undefined when neither is there. */
export const lookUpName = (index: ReadonlyMap<string, number>, name: string): number | undefined => index.get(name) ?? index.get(name.trim())
