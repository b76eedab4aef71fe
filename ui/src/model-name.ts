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
