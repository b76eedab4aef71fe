/**
 * Writes openapi/openapi.json from the app's routes and zod schemas (npm run openapi), then the typed
 * client's types from it (client/openapi.ts, scripts/generate-client.ts). The app is built, never
 * listened on, with a Redis client that never connects: the document needs no server.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp, openApiDocument } from '../src/api/app.js'
import { loadConfig } from '../src/config.js'
import { createRedis } from '../src/store/redis.js'
import { CLIENT_TYPES_PATH, clientTypes } from './generate-client.js'

export const OPENAPI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../openapi/openapi.json')

/** The committed form: 2-space JSON with a final newline, so diffs stay readable. */
export const formatOpenApi = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`

async function main (): Promise<void> {
  const redis = createRedis('redis://127.0.0.1:6379', { lazyConnect: true })
  // defaults only: the document must not depend on the environment it is generated in
  const app = await buildApp({ config: loadConfig({}), redis })
  await app.ready()
  mkdirSync(dirname(OPENAPI_PATH), { recursive: true })
  const text = formatOpenApi(openApiDocument(app))
  writeFileSync(OPENAPI_PATH, text)
  await app.close()
  redis.disconnect()
  process.stdout.write(`wrote ${OPENAPI_PATH}\n`)
  // from the document as committed (parsed back), exactly as the drift test reads it
  writeFileSync(CLIENT_TYPES_PATH, await clientTypes(JSON.parse(text)))
  process.stdout.write(`wrote ${CLIENT_TYPES_PATH}\n`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
