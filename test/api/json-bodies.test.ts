// Every route that reads a JSON body answers one it cannot read the same way: 400 with our own code, the
// parser's message and where, or for an empty body what to send. Walked over the OpenAPI document, so a
// route added later is held to it too. The serving protocols answer the same detail in their {"error"} form.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'
import { readResponse } from '../support/http-socket.js'

interface Operation {
  requestBody?: { content: Record<string, { example?: unknown }> }
  responses: Record<string, { content?: Record<string, unknown> }>
}

let t: TestApp
let jsonRoutes: Array<{ name: string, url: string, protocol: boolean, example: unknown }>

beforeAll(async () => {
  t = await buildTestApp('json-bodies')
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> }
  jsonRoutes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops)
    .filter(([, op]) => op.requestBody?.content['application/json'] !== undefined)
    .map(([method, op]) => ({
      name: `${method.toUpperCase()} ${path}`,
      // the body is read before any id is looked up: any value will do
      url: path.replace(/\{[^}]+\}/g, 'x'),
      // the serving protocols answer {"error": …} as application/json, not problem+json
      protocol: op.responses['400']?.content?.['application/problem+json'] === undefined,
      example: op.requestBody!.content['application/json'].example
    })))
})
afterAll(async () => { await t?.close() })

const post = (url: string, body: string, type = 'application/json') =>
  request(t.app.server).post(url).set('content-type', type).send(body)

/** Bytes as they are (supertest would send a Buffer as JSON of its own: {"type": "Buffer", …}). */
async function postBytes (url: string, bytes: Buffer): Promise<Answer> {
  const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: bytes })
  return { status: res.statusCode, headers: res.headers, body: res.json() }
}

interface Answer { status: number, headers: Record<string, unknown>, body: Record<string, unknown> }

/** The detail of a 400 in either form, after checking the form is the route's. */
function detailOf (res: Answer, route: { name: string, protocol: boolean }, code: string): string {
  expect(res.status, route.name).toBe(400)
  if (route.protocol) {
    expect(res.headers['content-type'], route.name).toMatch(/^application\/json/)
    expect(Object.keys(res.body), route.name).toEqual(['error'])
    return res.body.error as string
  }
  expect(res.headers['content-type'], route.name).toMatch(/^application\/problem\+json/)
  expect(res.body, route.name).toMatchObject({ status: 400, code })
  return res.body.detail as string
}

describe('a JSON body that cannot be read', () => {
  it('covers every route with a JSON body: the native ones, predict, and both serving protocols', () => {
    const names = jsonRoutes.map((r) => r.name)
    for (const name of ['POST /v1/datasets', 'POST /v1/networks', 'POST /v1/training-jobs', 'POST /v1/sweeps', 'POST /v1/models',
      'POST /v1/models/{id}/predict', 'POST /v1/models/{id}/evaluate', 'POST /v1/models/{id}/backprop',
      'POST /v2/models/{name}/infer', 'POST /v1/models/{name}:predict']) expect(names).toContain(name)
  })

  it('is malformed: 400 NN_ERR_INVALID_JSON with the parser\'s message and position, on every route', async () => {
    for (const route of jsonRoutes) {
      const detail = detailOf(await post(route.url, '{"a": 1,}'), route, 'NN_ERR_INVALID_JSON')
      // (newer V8s add the line and column themselves)
      expect(detail, route.name).toMatch(/^the body is not valid JSON: Expected double-quoted property name in JSON at position 8\b/)
    }
  })

  it('is empty (or only white space): 400 NN_ERR_EMPTY_BODY saying what to send, from the route\'s own example', async () => {
    for (const route of jsonRoutes) {
      for (const body of ['', ' \n']) {
        const detail = detailOf(await post(route.url, body), route, 'NN_ERR_EMPTY_BODY')
        expect(detail, route.name).toMatch(/^the body is empty: send a JSON object like \{".+\}/)
        // the members it names are the example's, in its order
        const keys = Object.keys(route.example as object).map((k) => `"${k}": `)
        for (const key of keys) expect(detail, `${route.name} names ${key}`).toContain(key)
        expect(detail, route.name).toContain(`GET /docs has ${route.name}'s schema`)
      }
    }
    // predict's, as it always read
    const predict = await post('/v1/models/x/predict', '')
    expect(predict.body.detail).toMatch(/^the body is empty: send a JSON object like \{"inputs": \[\[…\], …\]\}/)
  })

  it('is a list, a string or a number where an object goes: the 400 says what to send, from the route\'s own example', async () => {
    for (const route of jsonRoutes) {
      // (a JSON string to POST /v1/datasets is CSV text in the wrong wrapper: its own 400 says so, below)
      for (const body of route.url === '/v1/datasets' ? ['[{"a": 1}]', '42'] : ['[{"a": 1}]', '"abc"', '42']) {
        const res = await post(route.url, body)
        expect(res.status, `${route.name} ${body}`).toBe(400)
        const detail = (res.body as { detail?: string, error?: string }).detail ?? (res.body as { error: string }).error
        expect(detail, `${route.name} ${body}`).toMatch(/; send a JSON object like \{".+\} \(GET \/docs has /)
      }
    }
  })

  it('a JSON string to POST /v1/datasets: a 400 saying JSON is an object and CSV goes as text/csv (it had been a 415 refusing application/json while asking for it)', async () => {
    const res = await post('/v1/datasets', JSON.stringify('a,b\n1,2\n3,4\n'))
    expect([res.status, res.body.field, res.body.detail]).toEqual([400, 'body', 'the body is a JSON string; a JSON dataset is an object {"features": […], "targets": […]}, and CSV text goes as itself with Content-Type: text/csv'])
  })

  it('is not there at all (no content-type either): the same 400 as an empty body, saying what to send', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'NN_ERR_EMPTY_BODY' })
    expect(res.json().detail).toMatch(/^the body is empty: send a JSON object like \{"name": "iris-example", "features": /)
  })

  it('a field that takes one of a few values says them as one: required: send 1 or 2', async () => {
    const res = await post('/v1/models', JSON.stringify({ format: 'backprop.model', network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } } }))
    expect(res.status).toBe(400)
    expect(res.body.errors).toContainEqual({ field: 'version', in: 'body', message: 'required: send 1 or 2' })
    const wrong = await post('/v1/models', JSON.stringify({ format: 'backprop.model', version: 3, network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } } }))
    expect(wrong.body.errors).toContainEqual({ field: 'version', in: 'body', message: 'expected 1 or 2, got the number 3' })
  })

  it('ends early: the position is where the body ends', async () => {
    const res = await post('/v1/training-jobs', '{"datasetId": "ds"')
    expect(res.body).toMatchObject({ status: 400, code: 'NN_ERR_INVALID_JSON' })
    expect(res.body.detail).toMatch(/^the body is not valid JSON: Expected ',' or '\}' after property value in JSON at position 18/)
  })

  it('spans lines: the line and column of the position are given too', async () => {
    const res = await post('/v1/networks', '{\n  "inputs": 4,\n  "layers": [],\n}')
    expect(res.body.detail).toMatch(/^the body is not valid JSON: Expected double-quoted property name in JSON at position 33 \(line 4,? column 1\)$/)
  })

  it('holds NaN (as Python\'s json.dumps writes it): where, and that null is what to send', async () => {
    const res = await post('/v1/datasets', '{"features": [[1, 2], [NaN, 1]], "targets": ["a", "b"]}')
    expect(res.body).toMatchObject({ status: 400, code: 'NN_ERR_INVALID_JSON' })
    // V8 shows the text around the token, not its position: the position is worked out from it
    expect(res.body.detail).toBe('the body is not valid JSON: Unexpected token \'N\', ..."[[1, 2], [NaN, 1]], "... is not valid JSON at position 23; ' +
      'NaN and Infinity are not JSON: send null for a missing value')
    const start = await post('/v1/models/x/predict', '[NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]')
    expect(start.body.detail).toMatch(/is not valid JSON at position 1; NaN and Infinity/)
    const end = await post('/v1/networks', '{"inputs": 4, "layers": [], "output": None}')
    expect(end.body.detail).toMatch(/is not valid JSON at position 38$/)
    // a body short enough for V8 to show whole
    const short = await post('/v1/networks', '{"a": None}')
    expect(short.body.detail).toBe('the body is not valid JSON: Unexpected token \'N\', "{"a": None}" is not valid JSON at position 6')
  })

  it('is large enough to be read off the event loop (predict, datasets): the same answer, with the position', async () => {
    // ≈ 400 KB, over the 256 KiB thread limit, in rows few enough for predict's row cap
    const rows = Array.from({ length: 1000 }, (_, i) => `[${Array.from({ length: 80 }, (_, j) => i + j).join(', ')}]`).join(', ')
    for (const url of ['/v1/models/x/predict', '/v1/datasets']) {
      const text = url.endsWith('predict') ? `{"inputs": [${rows}],}` : `{"features": [${rows}], "targets": [1],}`
      const res = await post(url, text)
      expect(res.body, url).toMatchObject({ status: 400, code: 'NN_ERR_INVALID_JSON' })
      expect(res.body.detail, url).toMatch(new RegExp(`^the body is not valid JSON: Expected double-quoted property name in JSON at position ${text.length - 1}\\b`))
    }
  })

  it('is not UTF-8: 400 NN_ERR_NOT_UTF8 with the byte, its offset, line and column, on every route', async () => {
    // "café" as Windows-1252 writes it: é is the one byte 0xE9
    const latin1 = Buffer.from('{"a": "caf\xe9"}', 'latin1')
    for (const route of jsonRoutes) {
      const res = await postBytes(route.url, latin1)
      const detail = detailOf(res, route, 'NN_ERR_NOT_UTF8')
      expect(detail, route.name).toMatch(/^the body is not valid UTF-8: byte 0xE9 at byte offset 10 \(line 1, column 11, after "\{\\"a\\": \\"caf"\) .*JSON is UTF-8 \(RFC 8259\): re-save the file as UTF-8/)
      if (!route.protocol) expect(res.body.offset, route.name).toBe(10)
    }
  })

  it('is not UTF-8 in a dataset\'s class or a network\'s name: refused, nothing stored with U+FFFD', async () => {
    const dataset = await postBytes('/v1/datasets', Buffer.from('{"features":[[1,2],[3,4]],"targets":["caf\xe9","b"]}', 'latin1'))
    expect(dataset.status).toBe(400)
    expect(dataset.body).toMatchObject({ code: 'NN_ERR_NOT_UTF8', offset: 41 })
    const network = await postBytes('/v1/networks', Buffer.concat([Buffer.from('{\n  "inputs": 2,\n  "layers": [],\n  "name": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n}')]))
    expect(network.status).toBe(400)
    expect(network.body.detail).toMatch(/^the body is not valid UTF-8: byte 0xFF at byte offset 44 \(line 4, column 12, after " {2}\\"name\\": \\""\)/)
    const list = await request(t.app.server).get('/v1/datasets')
    expect(list.body.total).toBe(0)
    // UTF-8 itself is read as ever
    const utf8 = await post('/v1/datasets', '{"features":[[1,2],[3,4]],"targets":["café","b"]}')
    expect(utf8.status).toBe(201)
    expect(utf8.body.classes).toContain('café')
  })

  it('is not UTF-8 and large enough for the dataset thread: the same 400, for a foreign byte or a character cut short', async () => {
    // a dataset the thread would build, but for the one target that is not UTF-8
    const rows = Array.from({ length: 1000 }, (_, i) => `[${Array.from({ length: 80 }, (_, j) => i + j).join(', ')}]`).join(', ')
    const targets = Array.from({ length: 999 }, (_, i) => (i % 2 === 0 ? '"a"' : '"b"')).join(', ')
    const head = Buffer.from(`{"features": [${rows}], "targets": [${targets}, `)
    expect(head.length).toBeGreaterThan(256 * 1024)
    for (const [target, offset] of [[Buffer.from('"caf\xe9"', 'latin1'), 4], [Buffer.from([0x22, 0x61, 0xe2, 0x82, 0x22]), 2]] as const) {
      const res = await postBytes('/v1/datasets', Buffer.concat([head, target, Buffer.from(']}')]))
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ code: 'NN_ERR_NOT_UTF8', offset: head.length + offset })
    }
    // and in UTF-8 the same body is built there
    const res = await postBytes('/v1/datasets', Buffer.concat([head, Buffer.from('"café"]}')]))
    expect(res.status).toBe(201)
    expect(res.body.classes).toContain('café')
  })

  it('escapes half a character ("\\ud83d" alone): refused by offset on every route, small or read on the dataset thread; both halves are one character', async () => {
    // a hostile trial stored a dataset named "…\ud83d" (cut from a file name), and the list's JSON broke jq and Python until it was deleted
    const before = (await request(t.app.server).get('/v1/datasets')).body.total as number
    const lone = Buffer.from('{"name": "a\\ud83d"}')
    for (const route of jsonRoutes) {
      const detail = detailOf(await postBytes(route.url, lone), route, 'NN_ERR_VALIDATION')
      expect(detail, route.name).toBe('the escape \\ud83d at byte offset 11 (line 1, column 12) is half a character (a UTF-16 surrogate without its pair), ' +
        'which no stored text may hold: send the character itself, or both halves (😀 is "\\ud83d\\ude00")')
    }
    // a low half alone, and on the dataset thread's path
    const rows = Array.from({ length: 1000 }, (_, i) => `[${Array.from({ length: 80 }, (_, j) => i + j).join(', ')}]`).join(', ')
    const head = Buffer.from(`{"features": [${rows}], "targets": [${Array.from({ length: 999 }, (_, i) => (i % 2 === 0 ? '"a"' : '"b"')).join(', ')}, `)
    const large = await postBytes('/v1/datasets', Buffer.concat([head, Buffer.from('"x\\ude00"]}')]))
    expect(large.status).toBe(400)
    expect(large.body).toMatchObject({ code: 'NN_ERR_VALIDATION', offset: head.length + 2 })
    expect((await request(t.app.server).get('/v1/datasets')).body.total).toBe(before)
    // an escaped backslash before "ud83d" is the letters, and a pair is a character
    const letters = await post('/v1/datasets', '{"name": "a\\\\ud83d", "features": [[1], [2]], "targets": [1, 2]}')
    expect(letters.status).toBe(201)
    expect(letters.body.name).toBe('a\\ud83d')
    const pair = await post('/v1/datasets', '{"name": "\\ud83d\\ude00", "features": [[1], [2]], "targets": [1, 2]}')
    expect(pair.body.name).toBe('😀')
  })

  it('answers a long unknown key at once, by its start, and bounds the issues it lists: a 1 MB key had held the API 23 s and come back three times over (a hostile retrial)', async () => {
    const key = 'K'.repeat(1_000_000)
    const started = Date.now()
    const res = await post('/v1/datasets', JSON.stringify({ name: 'x', features: [[1], [2]], targets: [0, 1], [key]: 1 }))
    expect(Date.now() - started).toBeLessThan(5000)
    expect(res.status).toBe(400)
    expect(JSON.stringify(res.body).length).toBeLessThan(10_000)
    expect(res.body.detail).toMatch(/unknown key "K{60}…" \(1000000 characters\)/)
    expect(res.body.field).toMatch(/^K+… \(1000000 characters\)$/)
    // thousands of unknown keys: the first 50 listed, the detail cut
    const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`extra${i}`, 1]))
    const wide = await post('/v1/networks', JSON.stringify({ inputs: 1, layers: [], output: { units: 1, activation: 'identity' }, ...many }))
    expect(wide.status).toBe(400)
    expect(wide.body.errors.length).toBeLessThanOrEqual(50)
    expect(JSON.stringify(wide.body).length).toBeLessThan(20_000)
  })

  it('refuses a new name holding a control character or a bidirectional override, on every route that names: it printed as other text (a hostile trial)', async () => {
    const before = (await request(t.app.server).get('/v1/datasets')).body.total as number
    for (const name of ['a\u0000b', 'red\u001b[31m', 'x\u202eexe.txt', 'c\u0085', 'line\u2028break', 'rtl\u200fmark', 'zero\u200bwidth']) {
      const text = JSON.stringify(name)
      for (const [url, body] of [['/v1/datasets', `{"name": ${text}, "features": [[1], [2]], "targets": [1, 2]}`], ['/v1/networks', `{"name": ${text}, "inputs": 1, "layers": [], "output": {"units": 1, "activation": "identity"}}`]]) {
        const res = await post(url, body)
        expect([res.status, res.body.field], `${url} ${text}`).toEqual([400, 'name'])
        expect(res.body.detail, `${url} ${text}`).toMatch(/holds a control character, a bidirectional mark or an invisible one .*send printable characters/)
      }
      const csv = await request(t.app.server).post(`/v1/datasets?name=${encodeURIComponent(name)}`).set('content-type', 'text/csv').send('x,y\n1,2\n')
      expect(csv.status, text).toBe(400)
    }
    expect((await request(t.app.server).get('/v1/datasets')).body.total).toBe(before)
    // what prints is kept: accents, scripts, emoji, spaces inside
    expect((await post('/v1/datasets', '{"name": "Données 東京 😀 v2", "features": [[1], [2]], "targets": [1, 2]}')).body.name).toBe('Données 東京 😀 v2')
  })

  it('holds a prototype key: refused by name, as before, not as malformed', async () => {
    const res = await post('/v1/networks', '{"__proto__": {"x": 1}, "inputs": 4}')
    expect(res.body).toMatchObject({ status: 400, code: 'NN_ERR_VALIDATION' })
    expect(res.body.detail).toMatch(/__proto__/)
  })

  it('comes to TF Serving as curl sends it by default (form-urlencoded): the same detail, in TF Serving\'s form', async () => {
    const res = await post('/v1/models/x:predict', '{"instances": [[1, 2]', 'application/x-www-form-urlencoded')
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: "the body is not valid JSON: Expected ',' or ']' after array element in JSON at position 21" })
  })

  it('keeps the connection after a body it refuses once read whole, whatever the parser: the next request on it is answered', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' })
    const socket = connect(Number(new URL(address).port), '127.0.0.1')
    let closed = false
    socket.on('close', () => { closed = true })
    const refusals: Array<[url: string, type: string, body: string, status: number]> = [
      ['/v1/networks', 'application/json', '{"inputs": 4,', 400],
      ['/v1/networks', 'application/json', '{"inputs": 4}\xff', 400],
      ['/v1/networks', 'application/json', '', 400],
      ['/v1/models/x:predict', 'application/x-www-form-urlencoded', '{"instances": [[1, 2]', 400],
      ['/v1/models/x/predict', 'application/json', '{"inputs": [[1, 2]', 400],
      ['/v2/models/x/infer', 'application/json', '{"inputs": [', 400],
      ['/v1/datasets', 'application/json', '{"name": "d",', 400],
      ['/v1/datasets', 'text/csv; charset=klingon', 'a,b\n1,2\n', 415],
      ['/v1/datasets', 'multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end', 400]
    ]
    try {
      for (const [url, type, body, status] of refusals) {
        const bytes = Buffer.from(body, 'latin1')
        socket.write(`POST ${url} HTTP/1.1\r\nhost: x\r\ncontent-type: ${type}\r\ncontent-length: ${bytes.length}\r\n\r\n`)
        socket.write(bytes)
        const refused = await readResponse(socket)
        expect(refused.head, `${url} ${type}`).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `))
        expect(refused.head, `${url} ${type}`).not.toMatch(/^connection: close$/im)
      }
      socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n')
      expect((await readResponse(socket)).body).toBe('{"status":"ok"}')
      expect(closed).toBe(false)
    } finally {
      socket.destroy()
    }
  })

  it('is empty on a route that takes no body (cancel): no body, not a 400', async () => {
    const res = await request(t.app.server).post('/v1/training-jobs/nope/cancel').set('content-type', 'application/json').send('')
    expect(res.status).toBe(404)
    expect(res.body.code).toBe('NN_ERR_JOB_NOT_FOUND')
  })
})
