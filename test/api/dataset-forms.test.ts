// A dataset uploaded as a form (multipart/form-data), as curl -F, a browser's file input, Swagger UI's
// file picker and Python's requests send it: the file is the body, the text fields join the query string.
// Forms come from real clients' encoders (Node's FormData through fetch, superagent's form-data) and,
// for the shapes those do not make (a file part without a filename, a truncated body), written out by
// hand from RFC 7578.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'

const iris = readFileSync('test/fixtures/iris.csv')
let t: TestApp
let base: string
beforeAll(async () => {
  t = await buildTestApp('dataset-forms', { BODY_LIMIT: '64KiB', MAX_DATASET_ROWS: '200' })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
})
afterAll(async () => { await t.close() })

type Json = Record<string, unknown>
const post = async (path: string, body: FormData | Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number, type: string, body: Json }> => {
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers })
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() as Json }
}
const form = (parts: Array<[string, string | Blob, string?]>): FormData => {
  const fd = new FormData()
  for (const [name, value, filename] of parts) {
    if (typeof value === 'string') fd.append(name, value)
    else fd.append(name, value, filename)
  }
  return fd
}
/** A multipart body written out: each part its headers and content, CRLF-separated (RFC 7578 §4). */
const BOUNDARY = 'ZZboundaryZZ'
const multipart = (parts: Array<{ headers: string[], content: Buffer | string }>): Buffer => Buffer.concat([
  ...parts.flatMap((p) => [Buffer.from(`--${BOUNDARY}\r\n${p.headers.join('\r\n')}\r\n\r\n`), Buffer.from(p.content), Buffer.from('\r\n')]),
  Buffer.from(`--${BOUNDARY}--\r\n`)
])
const FORM_TYPE = `multipart/form-data; boundary=${BOUNDARY}`
const storedCount = async (): Promise<number> => (await request(t.app.server).get('/v1/datasets')).body.total as number
const matrices = async (id: unknown): Promise<{ x: number[], y: number[] }> => {
  const stored = await t.app.datasets.getMatrices(id as string)
  return { x: Array.from(stored!.dataset.x), y: Array.from(stored!.dataset.y) }
}

describe('POST /v1/datasets as a form', () => {
  it('stores a CSV file exactly as the same CSV sent as text/csv, its options as form fields or in the query string', async () => {
    const plain = await request(t.app.server).post('/v1/datasets?target=species&name=iris-text').set('content-type', 'text/csv').send(iris.toString())
    expect(plain.status).toBe(201)
    // a browser's form: the file with its type, the options as fields
    const browser = await post('/v1/datasets', form([['file', new Blob([iris], { type: 'text/csv' }), 'iris.csv'], ['target', 'species'], ['name', 'iris-form']]))
    expect(browser.status, JSON.stringify(browser.body)).toBe(201)
    expect(browser.body).toMatchObject({ name: 'iris-form', rows: 150, inputs: 4, outputs: 3, classes: ['setosa', 'versicolor', 'virginica'], sha256: plain.body.sha256 })
    expect(browser.body.featureNames).toEqual(plain.body.featureNames)
    expect(await matrices(browser.body.id)).toEqual(await matrices(plain.body.id))
    // superagent's form-data (supertest's attach): no type for the part beyond its name, the options in the query string
    const attached = await request(t.app.server).post('/v1/datasets?target=species').attach('file', iris, 'iris.csv')
    expect(attached.status, JSON.stringify(attached.body)).toBe(201)
    expect(attached.body.sha256).toBe(plain.body.sha256)
    // with no name given, a CSV file's own names the dataset, as in the console
    expect(attached.body.name).toBe('iris')
  })

  it('names a dataset after its file within 200 UTF-16 units, cut between characters, never inside one', async () => {
    const long = `${'a'.repeat(199)}😀.csv` // the emoji's two units would end at 201: it is left out, not halved
    const res = await post('/v1/datasets?target=species', form([['file', new Blob([iris], { type: 'text/csv' }), long]]))
    expect(res.status).toBe(201)
    expect(res.body.name).toBe('a'.repeat(199))
    const fits = await post('/v1/datasets?target=species', form([['file', new Blob([iris], { type: 'text/csv' }), `${'a'.repeat(198)}😀.csv`]]))
    expect(fits.body.name).toBe(`${'a'.repeat(198)}😀`)
  })

  it('reads the file\'s kind from its part\'s type, else its first character, else its name', async () => {
    const json = JSON.stringify({ features: [[1, 2], [3, 4], [5, 6]], targets: ['a', 'b', 'a'], name: 'from-json-file' })
    const cases: Array<{ what: string, parts: Array<{ headers: string[], content: string | Buffer }>, want: Json }> = [
      { what: 'application/json part', parts: [{ headers: ['Content-Disposition: form-data; name="file"; filename="d"', 'Content-Type: application/json'], content: json }], want: { name: 'from-json-file', rows: 3, classes: ['a', 'b'] } },
      { what: '.json name, octet-stream', parts: [{ headers: ['Content-Disposition: form-data; name="data"; filename="d.json"', 'Content-Type: application/octet-stream'], content: json }], want: { rows: 3 } },
      { what: 'no name, no type: JSON by its "{"', parts: [{ headers: ['Content-Disposition: form-data; name="file"'], content: `  ${json}` }], want: { rows: 3 } },
      // the "{" decides before the name: a JSON file saved as .csv (a hostile retrial's) is JSON
      { what: 'JSON named .csv, octet-stream', parts: [{ headers: ['Content-Disposition: form-data; name="file"; filename="d.csv"', 'Content-Type: application/octet-stream'], content: json }], want: { name: 'from-json-file', rows: 3 } },
      // curl -F 'file=<iris.csv' sends the file as a text field without a filename: it is the file all the same
      { what: 'a text field named file: CSV', parts: [{ headers: ['Content-Disposition: form-data; name="target"'], content: 'species' }, { headers: ['Content-Disposition: form-data; name="file"'], content: iris }], want: { rows: 150, outputs: 3 } },
      { what: '.csv name, octet-stream (curl -F file=@iris.csv)', parts: [{ headers: ['Content-Disposition: form-data; name="file"; filename="iris.csv"', 'Content-Type: application/octet-stream'], content: iris }], want: { rows: 150, targetNames: ['species'] } },
      // what Windows (and so a browser's or Swagger UI's file picker) types a .csv file as where Excel is installed: a 415 had refused it (a data trial)
      { what: '.csv name, application/vnd.ms-excel', parts: [{ headers: ['Content-Disposition: form-data; name="file"; filename="iris.csv"', 'Content-Type: application/vnd.ms-excel'], content: iris }], want: { rows: 150, targetNames: ['species'] } }
    ]
    for (const c of cases) {
      const res = await post('/v1/datasets', multipart(c.parts), { 'content-type': FORM_TYPE })
      expect(res.status, `${c.what}: ${JSON.stringify(res.body)}`).toBe(201)
      expect(res.body, c.what).toMatchObject(c.want)
    }
  })

  it('checks the file and the fields as a body and a query string are checked, and stores nothing on a 4xx', async () => {
    const before = await storedCount()
    const csvFile = (content: string | Buffer): [string, Blob, string] => ['file', new Blob([content], { type: 'text/csv' }), 'd.csv']
    const cases: Array<{ what: string, body: FormData | Buffer, headers?: Record<string, string>, path?: string, status: number, detail: RegExp, field?: string }> = [
      { what: 'no file', body: form([['target', 'species']]), status: 400, detail: /^the form holds no file; send the file as a form field, e\.g\. curl -F file=@data\.csv/, field: 'file' },
      { what: 'two files', body: form([csvFile(iris), csvFile(iris)]), status: 400, detail: /^the form holds more than one file; upload one dataset at a time$/, field: 'file' },
      { what: 'a CSV mistake in the file', body: form([csvFile('a,b,label\n1,2,x\n3,4\n')]), status: 400, detail: /line 3: expected 3 cells like the header, got 2/ },
      { what: 'an unknown field, as an unknown query key', body: form([csvFile(iris), ['traget', 'species']]), status: 400, detail: /^invalid querystring or form fields: traget: unknown key "traget" \(did you mean "target"\?\); the keys here are target, name/, field: 'traget' },
      // a field named as the prototype is a field like any other: unknown, named (it had been assigned, which sets no key)
      { what: 'an Excel workbook', body: form([['file', new Blob([Buffer.from('D0CF11E0A1B11AE1', 'hex')], { type: 'application/vnd.ms-excel' }), 'book.xls']]), status: 415, detail: /^content type 'application\/vnd\.ms-excel' is not accepted here; send a CSV file: an Excel workbook \(book\.xls\) is not read here; save it as CSV/ },
      { what: 'a field named __proto__', body: form([csvFile(iris), ['__proto__', 'species']]), status: 400, detail: /^invalid querystring or form fields: __proto__: unknown key "__proto__"/, field: '__proto__' },
      { what: 'a field given twice, two ways', path: '/v1/datasets?target=species', body: form([csvFile(iris), ['target', 'sepal_length_(cm)']]), status: 400, detail: /^target is given twice, "species" in the query string and "sepal_length_\(cm\)" as a form field; give it once$/, field: 'target' },
      { what: 'a bad option value', body: form([csvFile(iris), ['missing', 'sometimes']]), status: 400, detail: /missing/ },
      { what: 'a CSV option with a JSON file', body: form([['file', new Blob(['{"features": [[1]], "targets": [1]}'], { type: 'application/json' }), 'd.json'], ['target', 'y']]), status: 400, detail: /target applies only to CSV uploads/ },
      // a form's file is read as UTF-8 and as it is: the advice says so, rather than to send the charset or encoding it already sent
      { what: 'Latin-1 in a form', body: form([['file', new Blob([Buffer.from('a,b,label\n1,2,caf\xe9\n3,4,b\n', 'latin1')], { type: 'text/csv; charset=windows-1252' }), 'l1.csv']]), status: 400, detail: /a form's file is read as UTF-8 \(a byte order mark names another encoding\): save it as UTF-8, or for a Latin-1 or Windows-1252 file \(as Excel saves CSV\) send it as the request body with content-type: text\/csv; charset=windows-1252$/ },
      { what: 'gzip in a form', body: form([csvFile(gzipSync(iris))]), status: 400, detail: /^CSV line 1: the data is gzip-compressed, not CSV text: decompress it before adding it to the form, or send it as the request body with Content-Encoding: gzip$/ },
      { what: 'a file of another type', body: form([['file', new Blob([iris], { type: 'image/png' }), 'iris.png']]), status: 415, detail: /content type 'image\/png' is not accepted here; send a CSV file \(text\/csv\) or a JSON one/ },
      { what: 'no boundary', body: Buffer.from('x'), headers: { 'content-type': 'multipart/form-data' }, status: 400, detail: /^the form could not be read \(.*Boundary not found\)/ },
      { what: 'cut off before its end', body: multipart([{ headers: ['Content-Disposition: form-data; name="file"; filename="iris.csv"'], content: iris }]).subarray(0, 2000), headers: { 'content-type': FORM_TYPE }, status: 400, detail: /^the form could not be read \(Unexpected end of (multipart|form)/ },
      { what: 'over BODY_LIMIT', body: form([csvFile(Buffer.concat(Array.from({ length: 20 }, () => iris)))]), status: 413, detail: /^request body exceeds 65536 bytes \(BODY_LIMIT\)/ }
    ]
    for (const c of cases) {
      const res = await post(c.path ?? '/v1/datasets', c.body, c.headers)
      expect(res.status, `${c.what}: ${JSON.stringify(res.body)}`).toBe(c.status)
      expect(res.type, c.what).toMatch(/^application\/problem\+json/)
      expect(res.body.detail, c.what).toMatch(c.detail)
      if (c.field !== undefined) expect(res.body.field, c.what).toBe(c.field)
    }
    expect(await storedCount()).toBe(before)
  })

  it('is read after its Content-Encoding, and only the dataset upload takes a form', async () => {
    const body = multipart([{ headers: ['Content-Disposition: form-data; name="target"'], content: 'species' }, { headers: ['Content-Disposition: form-data; name="file"; filename="iris.csv"', 'Content-Type: text/csv'], content: iris }])
    const zipped = await post('/v1/datasets', gzipSync(body), { 'content-type': FORM_TYPE, 'content-encoding': 'gzip' })
    expect(zipped.status, JSON.stringify(zipped.body)).toBe(201)
    expect(zipped.body).toMatchObject({ rows: 150, outputs: 3 })
    const network = await post('/v1/networks', body, { 'content-type': FORM_TYPE })
    expect(network.status).toBe(415)
    expect(network.body.detail).toMatch(/content type 'multipart\/form-data' is not accepted here; send application\/json \(or text\/csv where a route accepts CSV\); a form \(curl -F\) is read only by POST \/v1\/datasets, where it carries a dataset's file$/)
  })

  it('is declared in the OpenAPI document as a form with a binary file, which Swagger UI shows as a file picker', async () => {
    const doc = (await request(t.app.server).get('/docs/json')).body
    const content = doc.paths['/v1/datasets'].post.requestBody.content
    expect(Object.keys(content)).toEqual(['application/json', 'text/csv', 'application/csv', 'multipart/form-data'])
    expect(content['multipart/form-data'].schema).toMatchObject({ type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } })
  })
})

describe('a form of very many parts', () => {
  let big: TestApp
  let url: string
  beforeAll(async () => {
    big = await buildTestApp('dataset-forms-parts', { BODY_LIMIT: '32MiB' })
    await big.app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(big.app.server.address() as { port: number }).port}/v1/datasets`
  })
  afterAll(async () => { await big.close() })

  it('is refused at its field limit without holding the event loop (a hostile trial\'s 400,000 parts held every request 10 s)', async () => {
    const part = (i: number): Buffer => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n1\r\n`)
    const body = Buffer.concat([...Array.from({ length: 200_000 }, (_, i) => part(i)), Buffer.from(`--${BOUNDARY}--\r\n`)])
    const lag = monitorEventLoopDelay({ resolution: 10 })
    lag.enable()
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': FORM_TYPE } })
    lag.disable()
    expect(res.status).toBe(400)
    expect(((await res.json()) as Json).detail).toBe('the form has more than 64 text fields; the upload takes its query parameters (name, target, …) and one file')
    // the longest the event loop went unserved while the 10 MB form was read and refused
    expect(lag.max / 1e6).toBeLessThan(1000)
  }, 60_000)

  it('refuses a field given twice, as the query string does, rather than storing "a,b"', async () => {
    const res = await fetch(url, { method: 'POST', body: form([['file', new Blob([iris], { type: 'text/csv' }), 'iris.csv'], ['name', 'a'], ['name', 'b']]) })
    expect(res.status).toBe(400)
    expect(((await res.json()) as Json)).toMatchObject({ field: 'name', detail: "form field 'name' is given more than once; give it once" })
  })
})
