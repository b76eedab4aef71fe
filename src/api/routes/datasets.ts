/**
 * /v1/datasets: upload (JSON rows or text/csv), list, read and delete. HTTP mapping only: parsing
 * and checks are data/, storage is store/datasets.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { buildDataset } from '../../data/build-dataset.js'
import { DATASET_NOT_FOUND, UNSUPPORTED_MEDIA_TYPE } from '../../errors.js'
import type { DatasetMeta } from '../../store/datasets.js'
import { IdParams, NoContent, PageQuery, listOf, problems } from '../../schemas/common.js'
import { CreateDatasetBody, CreateDatasetQuery, DatasetResponse, type DatasetResponseBody } from '../../schemas/dataset.js'

export const CSV_TYPES = ['text/csv', 'application/csv']

export function datasetResponse (meta: DatasetMeta): DatasetResponseBody {
  const named = (names: string[], stats: DatasetMeta['featureStats']): DatasetResponseBody['columns'] =>
    stats.map((s, i) => ({ name: names[i] ?? `column${i}`, ...s }))
  const targetColumnNames = meta.classes ? meta.classes.map((c) => `${meta.targetNames[0]}=${c}`) : meta.targetNames
  return {
    id: meta.id,
    name: meta.name,
    rows: meta.rows,
    inputs: meta.inputs,
    outputs: meta.outputs,
    featureNames: meta.featureNames,
    targetNames: meta.targetNames,
    ...(meta.classes ? { classes: meta.classes } : {}),
    createdAt: meta.createdAt,
    columns: named(meta.featureNames, meta.featureStats),
    targetColumns: named(targetColumnNames, meta.targetStats),
    sha256: meta.sha256,
    bytes: meta.bytes
  }
}

const datasets: FastifyPluginAsyncZod = async (fastify) => {
  const tags = ['datasets']
  // CSV is parsed in this scope only, so any other route answers text/csv with 415
  fastify.addContentTypeParser(CSV_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body))

  fastify.post('/datasets', {
    schema: {
      tags,
      summary: 'Upload a dataset as JSON rows or as CSV text (Content-Type: text/csv) with a header row',
      consumes: ['application/json', ...CSV_TYPES],
      querystring: CreateDatasetQuery,
      body: CreateDatasetBody,
      response: { 201: DatasetResponse, ...problems(400, 413, 415) }
    }
  }, async (request, reply) => {
    const { body, query } = request
    const contentType = String(request.headers['content-type'] ?? '')
    let built
    let name
    if (typeof body === 'string') {
      if (!CSV_TYPES.some((t) => contentType.startsWith(t))) {
        throw new UNSUPPORTED_MEDIA_TYPE(contentType, 'application/json {features, targets} or CSV text as text/csv')
      }
      const target = query.target?.split(',').map((s) => s.trim()).filter((s) => s !== '')
      // large CSV is parsed on a thread of its own: predictions keep being answered meanwhile
      built = await fastify.csvBuilder.build({ text: body, options: { target, categorical: query.categorical }, maxRows: fastify.config.MAX_DATASET_ROWS })
      name = query.name
    } else {
      built = buildDataset(body, fastify.config.MAX_DATASET_ROWS)
      name = body.name
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
    schema: { tags, summary: 'Delete a dataset and its stored matrices', params: IdParams, response: { 204: NoContent, ...problems(404) } }
  }, async (request, reply) => {
    if (!(await fastify.datasets.remove(request.params.id, request.tenant))) throw new DATASET_NOT_FOUND(request.params.id)
    return reply.code(204).send()
  })
}

export default datasets
