/**
 * The default model name the job form offers for a dataset. The service takes model names of 1 to 63
 * letters, digits, '-', '_' and '.', starting with a letter or digit (src/schemas/model-name.ts), and a
 * dataset's name may be anything ("sales 2024 (eu)"), so other characters become '-'. What the user
 * types instead is sent as typed: the service's 400 says what to change.
 */
export const MODEL_NAME_MAX = 63

export function modelNameFor (datasetName: string): string {
  return datasetName
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MODEL_NAME_MAX)
    .replace(/-+$/, '')
}

/**
 * Why the service would refuse `name` as a new model's (src/schemas/model-name.ts states the rule), said
 * while it is typed rather than at submit; undefined when it would take it.
 */
export function modelNameIssue (name: string): string | undefined {
  if (name.length > MODEL_NAME_MAX) return `at most ${MODEL_NAME_MAX} characters`
  if (name.toLowerCase() === 'latest') return '"latest" is the alias of the newest version, not a name'
  if (name.toLowerCase().startsWith('mdl_')) return 'a name starting with mdl_ reads as a model id'
  const bad = /^[^A-Za-z0-9]|[^A-Za-z0-9._-]/.exec(name)
  return bad === null ? undefined : `${JSON.stringify(bad[0])} cannot ${bad.index === 0 ? 'start' : 'be in'} a model name (letters, digits, - _ . from a letter or digit)`
}
