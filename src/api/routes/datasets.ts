/**
 * /v1/datasets: upload (JSON rows or text/csv), list, read and delete. HTTP mapping only: parsing
 * and checks are data/, storage is store/datasets.ts. Large uploads of either kind are built on the
 * dataset thread (dataset-thread/): a large JSON body is not even parsed on the event loop, unless the
 * thread finds it invalid; then it is parsed and validated here, for exactly the usual 400.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { FastifyRequest } from 'fastify'
import { buildDataset, type BuiltDataset, type DatasetLimits } from '../../data/build-dataset.js'
import { datasetColumns } from '../../data/dataset-columns.js'
import { encodedWidth } from '../../data/feature-columns.js'
import { fastValidator, isDatasetJson, lateBodyValidator } from '../fast-path.js'
import { jsonBodyParser } from '../json-body.js'
import { readWhole } from '../body-scan.js'
import { csvOnlyQuery, csvOptions } from '../dataset-query.js'
import { nameFromFile, readDatasetForm, withFormFields } from '../dataset-form.js'
import { charsetOf, csvEncoding, type CsvSource } from '../../data/csv-decode.js'
import { DATASET_NOT_FOUND, inUseByUnfinished, VALIDATION, withProblem } from '../../errors.js'
import { flatRowsMessage } from '../prediction-input.js'
import type { DatasetMeta } from '../../store/datasets.js'
import { IdParams, NoContent, PageQuery, listOf, problems } from '../../schemas/common.js'
import { CreateDatasetBody, CreateDatasetQuery, DatasetResponse, type CreateDatasetJsonBody, type DatasetResponseBody } from '../../schemas/dataset.js'

import { float32Text } from '../../data/float32-text.js'
import { datasetRowCapHook } from '../row-cap-stream.js'

export const CSV_TYPES = ['text/csv', 'application/csv']

const shownStats = (s: DatasetMeta['featureStats'][number]): DatasetMeta['featureStats'][number] =>
  ({ mean: float32Text(s.mean), std: float32Text(s.std), min: float32Text(s.min), max: float32Text(s.max) })

export function datasetResponse (meta: DatasetMeta): DatasetResponseBody {
  const named = (names: string[], stats: DatasetMeta['featureStats']): DatasetResponseBody['columns'] =>
    stats.map((s, i) => ({ name: names[i] ?? `column${i}`, ...shownStats(s) }))
  const targetColumnNames = meta.classes ? meta.classes.map((c) => `${meta.targetNames[0]}=${c}`) : meta.targetNames
  const columns = datasetColumns(meta)
  return {
    id: meta.id,
    name: meta.name,
    rows: meta.rows,
    inputs: encodedWidth(columns),
    outputs: meta.outputs,
    featureNames: meta.featureNames,
    targetNames: meta.targetNames,
    ...(meta.classes ? { classes: meta.classes } : {}),
    ...(meta.targetValues ? { targetValues: meta.targetValues } : {}),
    ...(meta.missing ? { missing: meta.missing } : {}),
    createdAt: meta.createdAt,
    // a categorical column's statistics would be of category indices: it shows its categories instead
    columns: columns.map((col, i) => col.kind === 'categorical'
      ? { name: col.name, kind: col.kind, categories: col.categories, missing: col.missing }
      : { name: col.name, kind: col.kind, missing: col.missing, ...shownStats(meta.featureStats[i]) }),
    targetColumns: named(targetColumnNames, meta.targetStats),
    sha256: meta.sha256,
    bytes: meta.bytes,
    ...(meta.warnings ? { warnings: meta.warnings } : {})
  }
}

/** A CSV body: its bytes, decoded where the dataset is built (on the dataset thread when large), and their encoding. */
class CsvUpload {
  constructor (readonly bytes: Buffer, readonly encoding: string, readonly source: CsvSource = 'body') {}
}

const isCsvBody = (body: unknown): boolean => body instanceof CsvUpload

/** A large JSON body, unread: the route hands its bytes to the dataset thread. */
class UnreadJson {
  constructor (readonly bytes: Buffer) {}
}

/**
 * The common shape mistakes, each one plain 400 instead of zod's list: `features: [1, 2, 3]` (one per
 * value), and a missing target (`null`, which zod reports as matching none of the target forms).
 */
function shapeMistake (body: unknown): Error | undefined {
  if (typeof body === 'string') return withProblem(new VALIDATION('the body is a JSON string; a JSON dataset is an object {"features": […], "targets": […]}, and CSV text goes as itself with Content-Type: text/csv'), { field: 'body' })
  const message = flatRowsMessage(body, ['features'])
  if (message !== undefined) return withProblem(new VALIDATION(message), { field: 'features' })
  const targets = typeof body === 'object' && body !== null ? (body as { targets?: unknown }).targets : undefined
  const r = Array.isArray(targets) ? targets.indexOf(null) : -1
  if (r < 0) return undefined
  return withProblem(new VALIDATION(`targets[${r}]: the target is missing (null); every row needs a target: remove the rows without one ` +
    '(missing-value strategies fill feature cells only)'), { field: `targets[${r}]`, row: r })
}

const validateBody = lateBodyValidator<unknown>(CreateDatasetBody, '/v1/datasets', isDatasetJson)

const datasets: FastifyPluginAsyncZod = async (fastify) => {
  const tags = ['datasets']
  const builder = fastify.datasetBuilder
  // CSV is parsed in this scope only, so any other route answers text/csv with 415. Read as bytes: the
  // charset it declares is ours to honour (a 415 for one we cannot decode), not always UTF-8
  fastify.addContentTypeParser(CSV_TYPES, { parseAs: 'buffer' }, readWhole((request, body, done) => {
    let encoding: string
    try {
      encoding = csvEncoding(charsetOf(String(request.headers['content-type'] ?? '')))
    } catch (err) {
      done(err as Error)
      return
    }
    done(null, new CsvUpload(body as Buffer, encoding))
   }))
  // JSON: the app's parser (json-body.ts: fastify's, with our 400s), except for large bodies, left unread
  const parseJson = jsonBodyParser(fastify)
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, readWhole((request, body, done) => {
    const bytes = body as Buffer // parseAs: 'buffer'
    if (bytes.length >= builder.threadFromBytes) done(null, new UnreadJson(bytes))
    else parseJson(request, bytes, done)
   }))

  // a form (curl -F, a browser's file input, Swagger UI's file picker): its file is the body, its text fields join the query
  fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, readWhole((request, body, done) => {
    readDatasetForm(body as Buffer, String(request.headers['content-type'])).then((form) => {
      const query = withFormFields(request.query, form.fields)
      // curl -F file=@iris.csv stores "iris", as the console names an upload after its file
      const named = form.kind === 'csv' && query.name === undefined && form.filename !== undefined ? nameFromFile(form.filename) : ''
      if (named !== '') query.name = named
      request.query = query
      if (form.kind === 'csv') done(null, new CsvUpload(form.file, csvEncoding(undefined), 'form'))
      else if (form.file.length >= builder.threadFromBytes) done(null, new UnreadJson(form.file))
      else parseJson(request, form.file, done)
    }).catch((err: unknown) => { done(err as Error) })
   }))

  /** The general path for a body the thread could not read: the app's parser and the schema, with their usual 400s. */
  const parseAndValidate = async (request: FastifyRequest, bytes: Buffer): Promise<unknown> => {
    const data = await new Promise<unknown>((resolve, reject) => {
      parseJson(request, bytes, (err: Error | null, value?: unknown) => { if (err) reject(err); else resolve(value) })
    })
    const mistake = shapeMistake(data)
    if (mistake) throw mistake
    return validateBody(data)
  }

  const { MAX_DATASET_ROWS, MAX_CLASSES, MAX_CATEGORIES, MAX_FEATURE_COLUMNS } = fastify.config
  const limits: DatasetLimits = { maxRows: MAX_DATASET_ROWS, maxClasses: MAX_CLASSES, maxCategories: MAX_CATEGORIES, maxColumns: MAX_FEATURE_COLUMNS }

  fastify.post('/datasets', {
    schema: {
      tags,
      summary: 'Upload a dataset as JSON rows, as CSV text (Content-Type: text/csv) with a header row, or as a form\'s file (multipart/form-data)',
      consumes: ['application/json', ...CSV_TYPES, 'multipart/form-data'],
      querystring: CreateDatasetQuery,
      body: CreateDatasetBody,
      response: { 201: DatasetResponse, ...problems(400, 413, 415) }
    },
    validatorCompiler: fastValidator({ body: (body) => body instanceof UnreadJson || isCsvBody(body) || isDatasetJson(body) }, { body: shapeMistake }),
    // a JSON body over MAX_DATASET_ROWS is refused while it arrives, before it is parsed
    preParsing: datasetRowCapHook(MAX_DATASET_ROWS),
    // before the body's validation (and a large body's build on the thread): the query is wrong whatever the body holds
    preValidation: async (request) => {
      if (isCsvBody(request.body)) return
      const refused = csvOnlyQuery(request.query)
      if (refused) throw refused
    }
  }, async (request, reply) => {
    const { query } = request
    let body: unknown = request.body
    let built: BuiltDataset
    let name: string | undefined
    const fromThread = body instanceof UnreadJson ? await builder.buildJson({ bytes: body.bytes, limits }) : undefined
    if (body instanceof UnreadJson && !fromThread) body = await parseAndValidate(request, body.bytes)
    if (fromThread) {
      ({ built, name } = fromThread)
    } else if (body instanceof CsvUpload) {
      // large CSV is decoded and parsed on the dataset thread: predictions keep being answered meanwhile
      built = await builder.buildCsv({ bytes: body.bytes, encoding: body.encoding, options: csvOptions(query), limits, source: body.source })
      name = query.name
    } else {
      const json = body as CreateDatasetJsonBody // the route's schema (or parseAndValidate) admitted it
      built = buildDataset(json, limits)
      name = json.name
    }
    const meta = await fastify.datasets.put({ ...built, tenant: request.tenant, ...(name === undefined ? {} : { name }) })
    request.log.info({ datasetId: meta.id, rows: meta.rows, inputs: meta.inputs, outputs: meta.outputs }, 'dataset stored')
    return reply.code(201).header('location', `/v1/datasets/${meta.id}`).send(datasetResponse(meta))
  })

  fastify.get('/datasets', {
    schema: { tags, summary: 'All datasets, newest first, a page at a time', querystring: PageQuery, response: { 200: listOf(DatasetResponse), ...problems(400) } }
  }, async (request) => {
    const [items, total] = await Promise.all([fastify.datasets.list(request.tenant, request.query), fastify.datasets.count(request.tenant)])
    return { items: items.map(datasetResponse), total, ...request.query }
  })

  fastify.get('/datasets/:id', {
    schema: { tags, summary: 'One dataset: shape, names, classes and column statistics', params: IdParams, response: { 200: DatasetResponse, ...problems(404) } }
  }, async (request) => {
    const meta = await fastify.datasets.get(request.params.id, request.tenant)
    if (!meta) throw new DATASET_NOT_FOUND(request.params.id)
    return datasetResponse(meta)
  })

  fastify.delete('/datasets/:id', {
    schema: {
      tags,
      summary: 'Delete a dataset and its stored matrices. While a job or sweep that is not finished trains on it, a 409 names them: ' +
        'a queued job would fail when it starts, and a sweep\'s retraining is still to come',
      params: IdParams,
      response: { 204: NoContent, ...problems(404, 409) }
    }
  }, async (request, reply) => {
    const { id } = request.params
    if ((await fastify.datasets.get(id, request.tenant)) === null) throw new DATASET_NOT_FOUND(id)
    // the check and the removal under the lock a new job or sweep holds from its check to its enqueue (store/resource-lock.ts)
    await fastify.resourceLocks.holding([`dataset:${id}`], async () => {
      const [jobs, sweeps] = await Promise.all([fastify.trainingQueue.unfinishedOn(id, request.tenant), fastify.sweepQueue.unfinishedOn(id, request.tenant)])
      if (jobs.length + sweeps.length > 0) {
        throw inUseByUnfinished(`dataset '${id}'`, [...sweeps.map((s) => `sweep '${s}'`), ...jobs.map((j) => `training job '${j}'`)])
      }
      if (!(await fastify.datasets.remove(id, request.tenant))) throw new DATASET_NOT_FOUND(id)
    })
    request.log.info({ datasetId: id, tenant: request.tenant }, 'dataset deleted')
    return reply.code(204).send()
  })
}

export default datasets
