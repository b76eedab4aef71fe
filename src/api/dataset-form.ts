/**
 * A dataset uploaded as a form (`multipart/form-data`): what `curl -F file=@data.csv`, a browser's file
 * input, Swagger UI's file picker and Python's `requests.post(files=…)` send. The form's one file is the
 * upload's body, CSV or JSON, and its text fields are the upload's query parameters (`name`, `target`,
 * `missing`, …), read as if sent in the query string, so each is checked there with the same messages.
 *
 * The whole body is already in memory, limited by BODY_LIMIT and decompressed (request-decompression.ts),
 * as a CSV body is; @fastify/busboy splits it into parts (RFC 7578).
 */
import { Busboy } from '@fastify/busboy'
import { UNSUPPORTED_MEDIA_TYPE, VALIDATION, withProblem } from '../errors.js'
import { printable } from '../schemas/common.js'

/** The file's kind: by the part's Content-Type, else its first character ('{' is JSON), else its name's extension. */
export type FormFileKind = 'csv' | 'json'

/** A parsed form: the file's bytes, kind and name (no path), and the text fields (each given once). */
export interface DatasetForm { file: Buffer, kind: FormFileKind, filename: string | undefined, fields: Record<string, string> }

/** The field that carries the file when it comes as text (`curl -F 'file=<data.csv'`, which sends no filename). */
export const FILE_FIELD = 'file'

const CSV_PART_TYPES = new Set(['text/csv', 'application/csv', 'text/tab-separated-values'])
const JSON_PART_TYPES = new Set(['application/json'])
/** Types that say nothing of the content: a browser's or a client's default. */
const GENERIC_PART_TYPES = new Set(['application/octet-stream', 'text/plain', ''])
const FIELD_LIMIT = 64 // text fields; the query takes seven
const FIELD_SIZE = 64 * 1024
/**
 * Bytes handed to the parser at a time, the event loop let go between them: a form of 400,000 tiny parts
 * was split in one synchronous pass that held every request of the process for 10 s (a hostile trial's).
 */
const FEED_BYTES = 256 * 1024

const HOW = 'send the file as a form field, e.g. curl -F file=@data.csv (query parameters such as target may come as fields too: -F target=species)'

const bad = (message: string, field?: string): Error => withProblem(new VALIDATION(message), field === undefined ? {} : { field })

/** The type Windows gives a .csv file where Excel is installed (browsers and Swagger UI's file picker send it), and a workbook's. */
const EXCEL_TYPE = 'application/vnd.ms-excel'

function kindOf (type: string, filename: string | undefined, bytes: Buffer): FormFileKind {
  if (CSV_PART_TYPES.has(type)) return 'csv'
  if (JSON_PART_TYPES.has(type)) return 'json'
  const extension = /\.([a-z0-9]+)$/i.exec(filename ?? '')?.[1]?.toLowerCase()
  if (type === EXCEL_TYPE) {
    if (extension === 'csv' || extension === 'tsv' || extension === 'txt') return 'csv'
    throw new UNSUPPORTED_MEDIA_TYPE(type, `a CSV file: an Excel workbook${filename === undefined ? '' : ` (${filename})`} is not read here; save it as CSV (Excel: File → Save As → CSV UTF-8), then ${HOW}`)
  }
  if (!GENERIC_PART_TYPES.has(type)) {
    throw new UNSUPPORTED_MEDIA_TYPE(type, `a CSV file (text/csv) or a JSON one (application/json) as the form's file; ${HOW}`)
  }
  // a JSON dataset is an object, and no CSV header starts with '{': that decides before the name does (a JSON file
  // saved as data.csv was read as CSV, "a quote may only open a field")
  const first = bytes.subarray(0, 64).toString('latin1').trimStart()[0]
  if (first === '{') return 'json'
  return extension === 'json' ? 'json' : 'csv'
}

/**
 * The dataset form in `body` (the request's whole body), with `contentType` the request's header (its
 * boundary). 400 for a form that cannot be read, that holds no file or more than one, or whose fields are
 * too many or too long; 415 for a file of another type.
 */
export async function readDatasetForm (body: Buffer, contentType: string): Promise<DatasetForm> {
  return await new Promise<DatasetForm>((resolve, reject) => {
    const files: Array<{ type: string, filename: string | undefined, chunks: Buffer[] }> = []
    const fields = new Map<string, string>()
    let failed: Error | undefined
    let settled = false
    const fail = (err: Error): void => { failed ??= err }
    const refuse = (err: Error): void => { settled = true; reject(err) }
    let form: ReturnType<typeof Busboy>
    try {
      form = Busboy({
        headers: { 'content-type': contentType },
        // a text part named `file` is the file too (no filename: curl's -F 'file=<data.csv'), and is not cut at FIELD_SIZE
        isPartAFile: (name, type, filename) => filename !== undefined || name === FILE_FIELD || type === 'application/octet-stream',
        limits: { files: 2, fields: FIELD_LIMIT, fieldSize: FIELD_SIZE, fieldNameSize: 100 }
      })
    } catch (err) {
      // no boundary, or not multipart at all
      reject(bad(`the form could not be read (${(err as Error).message}); ${HOW}`))
      return
    }
    form.on('file', (_name, stream, filename, _encoding, type) => {
      const file = { type: type.toLowerCase(), filename: filename === '' ? undefined : filename, chunks: [] as Buffer[] }
      files.push(file)
      stream.on('data', (chunk: Buffer) => { file.chunks.push(chunk) })
      // a part cut off is an error on its own stream too: unheard, it would end the process
      stream.on('error', (err: Error) => { refuse(bad(`the form could not be read (${err.message}); ${HOW}`)) })
    })
    form.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (nameTruncated || valueTruncated) { fail(bad(`form field '${name}' is longer than ${valueTruncated ? `${FIELD_SIZE} bytes` : 'a name may be'}; the dataset itself goes in the file: ${HOW}`, name)); return }
      // a repeated query parameter is refused, so is a repeated field: joined, "-F name=a -F name=b" stored "a,b"
      if (fields.has(name)) { fail(bad(`form field '${name}' is given more than once; give it once${name === 'target' ? ' (several target columns: one field, comma-separated)' : ''}`, name)); return }
      fields.set(name, value)
    })
    form.on('fieldsLimit', () => { fail(bad(`the form has more than ${FIELD_LIMIT} text fields; the upload takes its query parameters (name, target, …) and one file`)) })
    form.on('error', (err: unknown) => { refuse(bad(`the form could not be read (${(err as Error).message}); ${HOW}`)) })
    form.on('finish', () => {
      if (settled) return
      if (failed !== undefined) { reject(failed); return }
      if (files.length === 0) { reject(bad(`the form holds no file; ${HOW}`, FILE_FIELD)); return }
      if (files.length > 1) { reject(bad('the form holds more than one file; upload one dataset at a time', FILE_FIELD)); return }
      const [{ type, filename, chunks }] = files
      const file = Buffer.concat(chunks)
      let kind: FormFileKind
      try { kind = kindOf(type, filename, file) } catch (err) { reject(err as Error); return }
      resolve({ file, kind, filename, fields: Object.fromEntries(fields) })
    })
    // fed a slice at a time, and no further once the form is refused: its remaining parts are never split
    let at = 0
    const feed = (): void => {
      if (settled) return
      if (failed !== undefined) { refuse(failed); return }
      if (at >= body.length) { form.end(); return }
      const slice = body.subarray(at, at + FEED_BYTES)
      at += slice.length
      form.write(slice, () => { setImmediate(feed) })
    }
    feed()
  })
}

/**
 * The query string with the form's text fields added: a parameter may come either way, and the route's
 * query schema checks them all. One given both ways with different values is a 400 (which would win is
 * anyone's guess).
 */
export function withFormFields (query: unknown, fields: Readonly<Record<string, string>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(typeof query === 'object' && query !== null ? query : {}) }
  for (const [name, value] of Object.entries(fields)) {
    const sent = Object.hasOwn(merged, name) ? merged[name] : undefined
    const inQuery = Array.isArray(sent) ? sent.join(',') : sent
    if (inQuery !== undefined && inQuery !== value) {
      throw bad(`${name} is given twice, ${JSON.stringify(inQuery)} in the query string and ${JSON.stringify(value)} as a form field; give it once`, name)
    }
    // defined, not assigned: a field named __proto__ is then an unknown key the query schema names, not the object's prototype
    Object.defineProperty(merged, name, { value, enumerable: true, writable: true, configurable: true })
  }
  return merged
}

/** The name a CSV file gives its dataset when none is given, as the console does: `iris.csv` → `iris`. */
export function nameFromFile (filename: string): string {
  const stem = filename.replace(/\.[a-z0-9]+$/i, '').trim()
  // at most 200 UTF-16 units (Name's bound), cut between characters: a cut inside 😀 stored half of it, which broke the list's JSON
  let name = ''
  for (const character of stem) {
    if (name.length + character.length > 200) break
    // what a name may not hold (schemas/common.ts NewName) is left out of one made from a file name
    if (printable(character)) name += character
  }
  return name
}
