/**
 * The one rule for a model name, checked wherever a name enters (a training job's or a sweep's
 * modelName, an import's name). A name must read back unchanged in every reference to it: a path
 * segment (`/v1/models/{name}`), an alias (`name@latest`, `name@3`), KServe's `/v2/models/{name}` and
 * TF Serving's `/v1/models/{name}:predict`. So, as KServe and TF Serving model names: letters,
 * digits, '-', '_' and '.', starting with a letter or digit, at most 63 characters (a DNS label's
 * bound, which KServe's names keep). Not: '@' (the alias separator), ':' (`:predict`), '/' (a path
 * segment), 'latest' (the alias keyword), or the prefix of the ids the store mints (a bare `mdl_…`
 * reference is read as an id). Models stored before the rule keep their names; only new ones obey.
 */
import { z } from 'zod'
import './messages.js'

/** The ids store/models.ts mints: this prefix and 32 hex digits. A reference that starts with it is an id. */
export const MODEL_ID_PREFIX = 'mdl_'
export const MODEL_NAME_MAX = 63
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
/** Words a reference reads as something other than a name. */
export const RESERVED_MODEL_NAMES: readonly string[] = ['latest']

/** The allowed form, as every refusal states it. */
export const MODEL_NAME_FORM = `1 to ${MODEL_NAME_MAX} letters, digits, '-', '_' or '.', starting with a letter or digit (e.g. iris or iris-v2.1); ` +
  `not ${RESERVED_MODEL_NAMES.map((w) => `'${w}'`).join(', ')} and not starting with '${MODEL_ID_PREFIX}' (model ids)`

/** Why `name` cannot be a model name (with the allowed form), or undefined when it can. */
export function modelNameProblem (name: string): string | undefined {
  const why = reason(name)
  return why === undefined ? undefined : `${JSON.stringify(name)} ${why}; a model name is ${MODEL_NAME_FORM}`
}

function reason (name: string): string | undefined {
  if (name.length === 0) return 'is empty'
  if (name.length > MODEL_NAME_MAX) return `has ${name.length} characters`
  if (RESERVED_MODEL_NAMES.includes(name.toLowerCase())) return 'is reserved: it would read as an alias, not a name'
  if (name.toLowerCase().startsWith(MODEL_ID_PREFIX)) return 'looks like a model id'
  if (MODEL_NAME_PATTERN.test(name)) return undefined
  const bad = [...name].find((ch, i) => !/[A-Za-z0-9]/.test(ch) && (i === 0 || !/[._-]/.test(ch)))!
  return name.startsWith(bad) && /[._-]/.test(bad) ? `starts with '${bad}'` : `holds ${JSON.stringify(bad)}`
}

/** A model name as a request gives it; surrounding whitespace is dropped first, as for other names. */
export const ModelName = z.string().trim().superRefine((name, ctx) => {
  const problem = modelNameProblem(name)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
}).meta({
  description: `A model name: ${MODEL_NAME_FORM}. Versions are counted per name; refer to one as name@latest, name@<version> or the bare name (its newest version)`,
  pattern: MODEL_NAME_PATTERN.source,
  maxLength: MODEL_NAME_MAX
})
