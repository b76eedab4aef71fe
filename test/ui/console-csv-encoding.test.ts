// The console uploads a CSV file's bytes as they are, not File.text()'s UTF-8 reading of them (U+FFFD
// for every byte that is not UTF-8, which made "café" in a Windows-1252 file the class "caf\uFFFD"):
// the server decodes them, honouring a byte order mark and the charset chosen in the form, and names
// the line of bytes that are not of it. In a real browser (chromium via playwright-core) on a real API.
import { existsSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import type { Page } from 'playwright-core'
import { api, CHROMIUM, offOrigin, openPage, shot, withConsole } from './console-env.js'

const available = existsSync(CHROMIUM)
const why = available ? '' : ` (SKIPPED: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`)`

const CSV = 'taille,poids,catégorie\n1,2,café\n3,4,thé\n5,6,café\n7,8,thé\n9,10,café\n11,12,thé\n'

interface Dataset { id: string, name: string, targetNames: string[], classes?: string[] }

interface Upload { type: string, blob: boolean, body: Buffer }

/**
 * Every CSV upload the page hands to fetch: its content type, whether the body is a Blob (the File
 * itself) and its bytes. Recorded in the page, since Chromium does not show a Blob body to
 * playwright's request.postDataBuffer().
 */
async function recordUploads (page: Page): Promise<() => Promise<Upload[]>> {
  // as strings: the tests compile without the DOM's types
  await page.addInitScript(`(() => {
    const sent = window.sentUploads = []
    const fetched = window.fetch.bind(window)
    window.fetch = (input, init) => {
      if (String(input).includes('/v1/datasets?') && init?.method === 'POST') {
        const body = init.body
        const blob = body instanceof Blob
        const bytes = blob ? body.arrayBuffer() : Promise.resolve(new TextEncoder().encode(String(body)).buffer)
        sent.push(bytes.then((b) => ({ type: init.headers['content-type'] ?? '', blob, bytes: [...new Uint8Array(b)] })))
      }
      return fetched(input, init)
    }
  })()`)
  return async () => (await page.evaluate('Promise.all(window.sentUploads)') as Array<{ type: string, blob: boolean, bytes: number[] }>)
    .map((u) => ({ type: u.type, blob: u.blob, body: Buffer.from(u.bytes) }))
}

describe.skipIf(!available)(`the console's CSV upload, in the file's own encoding${why}`, () => {
  const on = withConsole('console-csv-encoding', {})

  it('refuses a Windows-1252 file read as UTF-8 with the server\'s line, pointing at the "Encoding" field; chosen there, it uploads right', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser)
    const uploads = await recordUploads(page)
    await page.goto(`${base}/ui/#/datasets`)
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    await page.setInputFiles('#csv-file', { name: 'boissons.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'latin1') })
    await page.locator('#csv-target option').first().waitFor({ state: 'attached' })
    await page.getByRole('button', { name: 'Upload' }).click() // "Encoding" left at UTF-8
    const alert = page.locator('form .note.error')
    await alert.waitFor()
    const text = await alert.innerText()
    expect(text).toMatch(/^CSV line 1: not valid UTF-8: "taille,poids,cat\uFFFDgorie"/) // the server's own account: which line
    expect(text).toContain('"Encoding" field above')
    expect(text).not.toContain('content-type')
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('csv-encoding')
    await shot(page, 'datasets-not-utf8')
    // chosen: the header preview is read again in it, and the upload names it
    await page.selectOption('#csv-encoding', 'windows-1252')
    await page.locator('#csv-target option[value="catégorie"]').waitFor({ state: 'attached' })
    expect(await page.inputValue('#csv-target')).toBe('catégorie')
    await page.getByRole('button', { name: 'Upload' }).click()
    await page.getByRole('heading', { name: 'boissons' }).waitFor()
    const { items } = await api<{ items: Dataset[] }>(base, 'GET', '/v1/datasets')
    const stored = items.find((d) => d.name === 'boissons')
    expect(stored?.targetNames).toEqual(['catégorie'])
    expect(stored?.classes).toEqual(['café', 'thé'])
    // both times the file's own bytes, the second time with the charset chosen
    const sent = await uploads()
    expect(sent.map((u) => u.type)).toEqual(['text/csv', 'text/csv; charset=windows-1252'])
    for (const u of sent) expect(u.blob && u.body.equals(Buffer.from(CSV, 'latin1'))).toBe(true)
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('uploads a UTF-16LE file with a byte order mark (Excel\'s "Unicode Text") as it is: header and classes read right', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser)
    const uploads = await recordUploads(page)
    await page.goto(`${base}/ui/#/datasets`)
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')])
    await page.setInputFiles('#csv-file', { name: 'unicode.csv', mimeType: 'text/csv', buffer: bytes })
    // the preview decodes the header as its byte order mark says, not as garbage between NULs
    await page.locator('#csv-target option[value="catégorie"]').waitFor({ state: 'attached' })
    expect(await page.locator('#csv-target option').allInnerTexts()).toEqual(['taille', 'poids', 'catégorie'])
    // the header is the first line with something on it, whatever ends the lines: blank lines first, CR alone
    for (const [name, text] of [['blank-first.csv', '\n \r\nx;y;kind\n1;2;a\n'], ['old-mac.csv', 'x;y;kind\r1;2;a\r3;4;b\r']]) {
      await page.setInputFiles('#csv-file', { name, mimeType: 'text/csv', buffer: Buffer.from(text) })
      await page.locator('#csv-target option[value="kind"]').waitFor({ state: 'attached' })
      expect(await page.locator('#csv-target option').allInnerTexts(), name).toEqual(['x', 'y', 'kind'])
    }
    await page.setInputFiles('#csv-file', { name: 'unicode.csv', mimeType: 'text/csv', buffer: bytes })
    await page.locator('#csv-target option[value="catégorie"]').waitFor({ state: 'attached' })
    await page.getByRole('button', { name: 'Upload' }).click()
    await page.getByRole('heading', { name: 'unicode' }).waitFor()
    const { items } = await api<{ items: Dataset[] }>(base, 'GET', '/v1/datasets')
    const stored = items.find((d) => d.name === 'unicode')
    expect(stored?.classes).toEqual(['café', 'thé'])
    // the bytes as they are: the server decodes them (Chromium's File.text() happens to honour this BOM too)
    const sent = await uploads()
    expect(sent).toHaveLength(1)
    expect(sent[0].blob && sent[0].body.equals(bytes)).toBe(true)
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })
})
