// The row cap's hook lets a body through unscanned only when its Content-Length proves it cannot be
// over the cap; the shortest body the scan refuses is always longer than that.
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { rowCapHook, rowCapScan, unscannedBytes } from '../../src/api/row-cap-stream.js'
import { scanBody } from '../../src/api/body-scan.js'
import { MAX_PREDICT_ROWS } from '../../src/schemas/model.js'

/** What the stream does with a body: passes it whole, or fails with the cap's message. */
async function scan (stream: NodeJS.ReadableStream): Promise<string> {
  let out = ''
  try {
    for await (const chunk of stream) out += String(chunk)
    return out
  } catch (err) {
    return `refused: ${(err as Error).message}`
  }
}

/** The shortest body the scan counts maxRows + 1 rows in: each row two bytes, the last left open. */
const shortestOverCap = (maxRows: number): string => '{"inputs":[' + '[]'.repeat(maxRows) + '['

const hookOn = async (maxRows: number, body: string, contentLength: string | undefined): Promise<NodeJS.ReadableStream> => {
  const payload = Readable.from([Buffer.from(body)])
  const headers = contentLength === undefined ? {} : { 'content-length': contentLength }
  const out: unknown = await rowCapHook(maxRows).call(undefined as never, { headers, routeOptions: { bodyLimit: 1024 * 1024 } } as unknown as FastifyRequest, {} as FastifyReply, payload)
  if (!(out instanceof Readable)) throw new Error('the hook must return a stream')
  return out
}

describe('the row cap hook', () => {
  it('no body of unscannedBytes(cap) bytes or fewer can be over the cap', async () => {
    for (const cap of [1, 2, 7, 100, MAX_PREDICT_ROWS]) {
      const body = shortestOverCap(cap)
      expect(await scan(scanBody(Readable.from([Buffer.from(body)]), rowCapScan(cap), Infinity, {} as FastifyReply))).toMatch(/^refused: .*at most/)
      expect(body.length).toBeGreaterThan(unscannedBytes(cap))
      // and one row fewer is let through whole
      const atCap = shortestOverCap(cap - 1) + ']]}'
      expect(await scan(scanBody(Readable.from([Buffer.from(atCap)]), rowCapScan(cap), Infinity, {} as FastifyReply))).toBe(atCap)
    }
  })

  it('passes a body whose Content-Length is within the bound as it is, and scans a longer or chunked one', async () => {
    const cap = 20
    const small = '{"inputs":[[1,2],[3,4]]}'
    const passed = await hookOn(cap, small, String(small.length))
    expect(small.length).toBeLessThanOrEqual(unscannedBytes(cap))
    expect(passed).toBeInstanceOf(Readable)
    expect(passed.constructor.name).toBe('Readable') // the payload itself: no scanner in between
    expect(await scan(passed)).toBe(small)

    const over = shortestOverCap(cap)
    expect(await scan(await hookOn(cap, over, String(over.length)))).toMatch(/^refused: invalid body: inputs: at most 20 rows per request/)
    expect(await scan(await hookOn(cap, over, undefined))).toMatch(/^refused: invalid body: inputs: at most 20 rows per request/)
    // a Content-Length that does not parse as a number is scanned too
    expect(await scan(await hookOn(cap, over, 'x'))).toMatch(/^refused:/)
  })
})
