/**
 * Datasets: the list with an upload form (CSV file, target column picker), and one dataset with its
 * columns (kind, statistics, categories, missing cells where the server reports them).
 */
import { getJson, sendJson } from '../api.js'
import { datasetName, shortId } from '../dataset-label.js'
import { h, note, num, pager, table, when } from '../dom.js'
import { deleteButton } from '../delete-button.js'
import { go, type Route } from '../nav.js'
import type { ColumnStats, Dataset, Page } from '../types.js'

const PAGE = 50

/** The delimiter the server detects from the header line (comma, semicolon or tab): the one it holds most of. */
function delimiterOf (header: string): string {
  const count = (d: string): number => header.split(d).length - 1
  return [';', '\t'].reduce((best, d) => (count(d) > count(best) ? d : best), ',')
}

/** The header row of a CSV file: the column names the target picker offers. */
function headerOf (csv: string): string[] {
  // the first line with something on it, as the server reads the header (data/csv.ts): blank lines before it are
  // skipped, and CR alone ends a line too (a file saved with old Mac line ends offered every cell as a column)
  const first = csv.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).find((line) => line.trim() !== '') ?? ''
  return first.split(delimiterOf(first)).map((c) => c.trim().replace(/^"(.*)"$/, '$1')).filter((c) => c !== '')
}

/** Enough of a file for its header row. */
const HEAD_BYTES = 1 << 20

/**
 * The start of `file` as text, for the header preview only: the upload sends the bytes themselves, which
 * the server decodes (and refuses, naming the line, where they are not of the charset). A byte order mark
 * decides the encoding, as on the server; else the one chosen in the form (UTF-8 unless told).
 */
async function headOf (file: Blob, encoding: string): Promise<string> {
  const b = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer())
  const bom = b[0] === 0xff && b[1] === 0xfe ? 'utf-16le' : b[0] === 0xfe && b[1] === 0xff ? 'utf-16be' : undefined
  return new TextDecoder(bom ?? (encoding === '' ? 'utf-8' : encoding)).decode(b)
}

/** The charsets the form offers ('' is the server's default, UTF-8); any other file comes with a byte order mark or is re-saved. */
const ENCODINGS = [['', 'UTF-8 (or as its byte order mark says)'], ['windows-1252', 'Windows-1252 / Latin-1 (Excel\'s "CSV")']] as const

const MISSING = [['error', 'refuse (name the cell)'], ['mean', 'mean'], ['median', 'median'], ['most_frequent', 'most frequent'], ['constant', 'constant 0']] as const

/**
 * The API's hint for a missing cell speaks to API callers ("CSV: ?missing=mean, JSON: ..."; see
 * MISSING_HINT in src/data/feature-columns.ts); in the console the answer is the form's own field.
 * The hint is rewritten where it has the API's wording, else a line about the field is added after it.
 */
const API_MISSING_HINT = /choose a missing-value strategy \(missing=.*\)\s*$/s
export function missingHintForForm (message: string): string | undefined {
  const field = 'the "Missing cells" field above (mean, median, most frequent or constant 0), then upload again'
  if (API_MISSING_HINT.test(message)) return message.replace(API_MISSING_HINT, `choose how to fill missing cells in ${field}`)
  if (message.includes('missing=')) return `${message} In this form: choose how to fill missing cells in ${field}.`
  return undefined
}

/** The same for bytes that are not UTF-8: the API's advice names a content type, the form has the "Encoding" field. */
const API_CHARSET_HINT = /a CSV is read as UTF-8 unless its content type names a charset: .*$/s
export function charsetHintForForm (message: string): string | undefined {
  if (!API_CHARSET_HINT.test(message)) return undefined
  return message.replace(API_CHARSET_HINT, 'choose the file\'s encoding in the "Encoding" field above (Windows-1252 for a Latin-1 file, ' +
    'as Excel saves CSV), or re-save the file as UTF-8, then upload again')
}

/**
 * The API's hints for a column of codes speak to API callers ("declare it: ?categorical=zip", "send
 * ?categorical=true"); in the console the answer is a box of the form's.
 */
const API_DECLARE_HINT = /declare it: \?categorical=([^\s;,)]+)/
const API_LABELS_HINT = /send \?categorical=true/
export function categoricalHintForForm (message: string): string | undefined {
  const declared = API_DECLARE_HINT.exec(message)
  if (declared !== null) {
    return message.replace(API_DECLARE_HINT, `tick ${JSON.stringify(decodeURIComponent(declared[1]))} under "Category columns" above, then upload again`)
  }
  if (API_LABELS_HINT.test(message)) return message.replace(API_LABELS_HINT, 'tick "Numeric target holds class labels" above, then upload again')
  return undefined
}

function uploadForm (): HTMLElement {
  const file = h('input', { id: 'csv-file', type: 'file', accept: '.csv,text/csv', required: true })
  const target = h('select', { id: 'csv-target', required: true, disabled: true })
  const name = h('input', { id: 'csv-name', type: 'text', maxlength: 200, placeholder: 'from the file name' })
  name.addEventListener('input', () => { name.dataset.auto = 'false' })
  const categorical = h('input', { id: 'csv-categorical', type: 'checkbox' })
  // feature columns of numbers that are codes (zip codes, product ids): one box each, read as categories
  const categories = h('div', { id: 'csv-categories', class: 'checks', role: 'group', 'aria-labelledby': 'csv-categories-label' })
  let header: string[] = []
  const fillCategories = (): void => {
    const ticked = new Set([...categories.querySelectorAll('input:checked')].map((el) => (el as HTMLInputElement).value))
    categories.replaceChildren(...header.filter((c) => c !== target.value).map((c, i) => h('label', {},
      h('input', { type: 'checkbox', value: c, id: `csv-category-${i}`, checked: ticked.has(c) }), ` ${c}`)))
  }
  const missing = h('select', { id: 'csv-missing' }, ...MISSING.map(([value, label]) => h('option', { value }, label)))
  const decimal = h('select', { id: 'csv-decimal' }, h('option', { value: '.' }, 'point (1.5)'), h('option', { value: ',' }, 'comma (1,5; cells separated by ; or tab)'))
  const encoding = h('select', { id: 'csv-encoding' }, ...ENCODINGS.map(([value, label]) => h('option', { value }, label)))
  const status = h('p', { role: 'status', 'aria-live': 'polite' })
  let chosen: File | undefined
  const preview = (): void => {
    const reading = chosen
    if (!reading) return
    void headOf(reading, encoding.value).then((t) => {
      if (reading !== chosen) return // another file was chosen meanwhile
      const picked = target.value
      const columns = headerOf(t)
      const keep = columns.includes(picked) ? picked : columns.at(-1)
      target.replaceChildren(...columns.map((c) => h('option', { value: c, selected: c === keep }, c)))
      target.disabled = columns.length === 0
      header = columns
      fillCategories()
    })
  }
  target.addEventListener('change', fillCategories)
  file.addEventListener('change', () => {
    status.replaceChildren() // the last upload's error was about another file
    chosen = file.files?.[0]
    if (!chosen) return
    target.value = ''
    preview()
    // a new file names the dataset after itself, unless the name was typed
    if (name.value === '' || name.dataset.auto === 'true') { name.value = chosen.name.replace(/\.csv$/i, ''); name.dataset.auto = 'true' }
  })
  encoding.addEventListener('change', preview)
  const form = h('form', { class: 'card', 'aria-labelledby': 'upload-title' },
    h('h2', { id: 'upload-title' }, 'Upload a CSV'),
    h('div', { class: 'fields' },
      h('label', { for: 'csv-file' }, 'CSV file (header row first)'), file,
      h('label', { for: 'csv-encoding' }, 'Encoding'), encoding,
      h('label', { for: 'csv-target' }, 'Target column'), target,
      h('label', { for: 'csv-name' }, 'Name'), name,
      h('label', { for: 'csv-categorical' }, 'Numeric target holds class labels'), categorical,
      h('span', { id: 'csv-categories-label' }, 'Category columns'),
      h('div', {}, categories, h('small', {}, 'feature columns whose numbers are codes (zip codes, ids): read as categories, one-hot encoded')),
      h('label', { for: 'csv-missing' }, 'Missing cells'), missing,
      h('label', { for: 'csv-decimal' }, 'Decimal mark'), decimal),
    h('button', { type: 'submit' }, 'Upload'),
    status)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (!chosen) { status.replaceChildren(note('Choose a CSV file first.', 'error')); return }
    // no column to pick (an empty file, or a header the picker could not read): let the server say what is wrong with the file
    const query = new URLSearchParams(target.value === '' ? {} : { target: target.value })
    if (name.value.trim() !== '') query.set('name', name.value.trim())
    const declared = [...categories.querySelectorAll('input:checked')].map((el) => (el as HTMLInputElement).value)
    // the target among the declared columns reads it as labels, as ?categorical=true does alone
    if (declared.length > 0) query.set('categorical', [...declared, ...(categorical.checked ? [target.value] : [])].join(','))
    else if (categorical.checked) query.set('categorical', 'true')
    if (missing.value !== 'error') query.set('missing', missing.value)
    if (decimal.value !== '.') query.set('decimal', decimal.value)
    status.replaceChildren('Uploading…')
    // the file's bytes, not File.text() (UTF-8 with U+FFFD for what is not): the server honours the
    // charset and a byte order mark, and names the line of bytes that are not of the charset
    const type = encoding.value === '' ? 'text/csv' : `text/csv; charset=${encoding.value}`
    sendJson<Dataset>('POST', `/v1/datasets?${query}`, chosen, type).then(
      (ds) => go(`#/datasets/${encodeURIComponent(ds.id)}`),
      (err: Error) => {
        const missingHint = missingHintForForm(err.message)
        const charsetHint = missingHint === undefined ? charsetHintForForm(err.message) : undefined
        const categoricalHint = missingHint === undefined && charsetHint === undefined ? categoricalHintForForm(err.message) : undefined
        status.replaceChildren(note(missingHint ?? charsetHint ?? categoricalHint ?? err.message, 'error'))
        if (missingHint !== undefined) missing.focus()
        else if (charsetHint !== undefined) encoding.focus()
        else if (categoricalHint !== undefined) (categories.querySelector('input') ?? categorical).focus()
      })
  })
  return form
}

export async function datasetsPage ({ query }: Route): Promise<Node> {
  const offset = Number(query.get('offset') ?? 0) || 0
  const page = await getJson<Page<Dataset>>(`/v1/datasets?offset=${offset}&limit=${PAGE}`)
  const rows = page.items.map((d) => [
    h('a', { href: `#/datasets/${encodeURIComponent(d.id)}` }, datasetName(d)), h('code', {}, shortId(d.id)), num(d.rows), num(d.inputs),
    d.classes ? `${d.classes.length} class${d.classes.length === 1 ? '' : 'es'}` : d.targetNames.join(', '), when(d.createdAt)
  ])
  return h('section', {},
    h('h1', {}, 'Datasets'),
    uploadForm(),
    page.items.length === 0 && offset === 0
      ? note('No datasets yet: upload a CSV above.')
      : h('div', { class: 'scroll' }, table('Stored datasets, newest first', ['Name', 'Id', 'Rows', 'Inputs', 'Target', 'Uploaded'], rows)),
    pager(offset, PAGE, page.total ?? page.items.length, (o) => go(`#/datasets?offset=${o}`)))
}

/** `kind` where the server reports one; else features are numeric and encoded label targets are one-hot. */
function columnRow (c: ColumnStats, role: string, kind: string): (string | Node)[] {
  const categorical = c.kind === 'categorical'
  return [c.name, role, c.kind ?? kind,
    categorical ? '—' : num(c.mean), categorical ? '—' : num(c.std), categorical ? '—' : num(c.min), categorical ? '—' : num(c.max),
    c.categories ? c.categories.slice(0, 20).join(', ') + (c.categories.length > 20 ? ` … (${c.categories.length})` : '') : '—',
    c.missing === undefined ? '—' : num(c.missing)]
}

export async function datasetPage ({ params: [id] }: Route): Promise<Node> {
  const d = await getJson<Dataset>(`/v1/datasets/${encodeURIComponent(id)}`)
  const columns = [...d.columns.map((c) => columnRow(c, 'feature', 'numeric')),
    ...d.targetColumns.map((c) => columnRow(c, 'target', d.classes ? 'one-hot class' : 'numeric'))]
  return h('section', {},
    h('h1', {}, d.name),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Id'), h('dd', {}, h('code', {}, d.id)),
      h('dt', {}, 'Rows'), h('dd', {}, num(d.rows)),
      h('dt', {}, 'Inputs → outputs'), h('dd', {}, `${d.inputs} → ${d.outputs}`),
      h('dt', {}, 'Classes'), h('dd', {}, d.classes?.join(', ') ?? 'none (regression)'),
      h('dt', {}, 'Uploaded'), h('dd', {}, when(d.createdAt))),
    ...(d.warnings ?? []).map((w) => note(w)),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: `#/jobs/new?dataset=${encodeURIComponent(d.id)}` }, 'Train on this dataset'), ' ',
      deleteButton({ what: `dataset ${d.name}`, path: `/v1/datasets/${encodeURIComponent(d.id)}`, after: '#/datasets',
        consequence: 'Its rows go; the models trained on it stay, and a job or sweep that still trains on it keeps it (the API says which).' })),
    h('div', { class: 'scroll' }, table('Columns', ['Column', 'Role', 'Kind', 'Mean', 'Std', 'Min', 'Max', 'Categories', 'Missing'], columns)))
}
