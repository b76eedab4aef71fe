/**
 * A large JSON upload read on the dataset thread: JSON.parse, the route's JSON schema, then the same
 * build as inline. Undefined when the body is not UTF-8, not JSON or not that schema: the route then parses and
 * validates it on the event loop, so the 400 is exactly the one every other body gets. (The schema is
 * strict, so a body accepted here has no key but its own: nothing for prototype poisoning to use.)
 */
import { isUtf8 } from 'node:buffer'
import { buildDataset, type BuiltDataset, type DatasetLimits } from '../../data/build-dataset.js'
import { CreateDatasetJson, type CreateDatasetJsonBody } from '../../schemas/dataset.js'
import { isDatasetJson } from '../fast-path.js'
import { loneSurrogateEscape } from '../utf8-body.js'

export interface JsonJob { readonly bytes: Uint8Array, readonly limits: DatasetLimits }
export interface JsonBuilt { readonly built: BuiltDataset, readonly name?: string }

export function buildJsonDataset ({ bytes, limits }: JsonJob): JsonBuilt | undefined {
  // toString would read bytes that are not UTF-8 as U+FFFD: the route's parser refuses them by offset
  if (!isUtf8(bytes)) return undefined
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // and half a character escaped ("\ud83d" alone): the route's parser refuses it by offset too
  if (loneSurrogateEscape(buffer) >= 0) return undefined
  let data: unknown
  try {
    data = JSON.parse(buffer.toString())
  } catch {
    return undefined
  }
  // the plain check first (zod copies every number); zod for the rest, as the route does
  let body: CreateDatasetJsonBody
  if (isDatasetJson(data)) {
    body = data as CreateDatasetJsonBody
  } else {
    const parsed = CreateDatasetJson.safeParse(data)
    if (!parsed.success) return undefined
    body = parsed.data
  }
  return { built: buildDataset(body, limits), name: body.name }
}
