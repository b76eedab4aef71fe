/**
 * POST /v1/models/{ref}/predictions: a stored model's predictions for every row of a stored dataset,
 * streamed as CSV or NDJSON (by Accept), one line per row. HTTP mapping only: the rows are read and run
 * a block at a time (api/scoring/prediction-stream.ts). The first block is computed before the status
 * is sent, so a model that cannot answer is a 4xx; a later failure (e.g. a non-finite output on row
 * 70,000) aborts the response, which then lacks its end, rather than sending a wrong number.
 */
import { Readable } from 'node:stream'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { NOT_ACCEPTABLE } from '../../errors.js'
import { ModelRefParams, problems } from '../../schemas/common.js'
import { DatasetPredictionsRequest } from '../../schemas/evaluation.js'
import { createFeatureRowReader } from '../../store/dataset-rows.js'
import { datasetColumns } from '../../data/dataset-columns.js'
import { scoringInputs } from '../scoring/scoring-inputs.js'
import { chooseFormat, predictionLines, PREDICTION_MEDIA_TYPES } from '../scoring/prediction-stream.js'

const datasetPredictions: FastifyPluginAsyncZod = async (fastify) => {
  fastify.post('/models/:id/predictions', {
    schema: {
      tags: ['models'],
      summary: 'Predictions for every row of a stored dataset, streamed as CSV, NDJSON or a JSON array (Accept), one line per row',
      description: 'Each line holds the dataset row (0-based), the outputs as POST /v1/models/{ref}/predict answers them ' +
        '(class probabilities, or values in the targets\' units) and, for classifiers, the predicted label. CSV has a header line: ' +
        '`row`, one column per output (named by class or target), `label`. Accept: text/csv, application/x-ndjson (default), or ' +
        'application/json for one JSON array of the NDJSON lines\' objects.',
      params: ModelRefParams,
      body: DatasetPredictionsRequest,
      response: {
        200: {
          description: 'One line per dataset row, in row order',
          // JSON first: Swagger UI asks for the first type listed, and shows JSON as JSON (NDJSON it could not parse)
          content: {
            [PREDICTION_MEDIA_TYPES.json]: {
              schema: z.array(z.object({
                row: z.number().int(), outputs: z.array(z.number()), label: z.string().optional(),
                unknownCategories: z.array(z.object({ field: z.string(), value: z.string() })).optional()
                  .describe('Categories of this row the model never saw, scored as all zeros (NDJSON lines carry it too)')
              }))
            },
            [PREDICTION_MEDIA_TYPES.ndjson]: { schema: z.string().describe('One JSON object per line, each an item of the application/json answer: {"row", "outputs", "label"?, "unknownCategories"?}') },
            [PREDICTION_MEDIA_TYPES.csv]: { schema: z.string().describe('A header line (row, one column per output named by class or target, label), then one line per row') }
          }
        },
        ...problems(400, 404, 406, 422)
      }
    }
  }, async (request, reply) => {
    const format = chooseFormat(request.headers.accept)
    if (!format) throw new NOT_ACCEPTABLE(String(request.headers.accept), Object.values(PREDICTION_MEDIA_TYPES).join(' or '))
    const { tenant } = request
    const ref = request.params.id
    const { model, meta } = await scoringInputs(fastify, ref, request.body.datasetId, tenant, false)
    const reader = createFeatureRowReader(fastify.redis, fastify.config.REDIS_PREFIX, meta)
    const lines = predictionLines(model, reader, meta.rows, format, fastify.config.KERNELS, datasetColumns(meta))
    const first = await lines.next()
    async function * all (): AsyncGenerator<string> {
      if (!first.done) yield first.value
      yield * lines
    }
    // fastify pipes a stream as is; the type provider only knows the documented body type (text)
    const body = Readable.from(all()) as unknown as string
    return reply.type(`${PREDICTION_MEDIA_TYPES[format]}; charset=utf-8`).header('x-dataset-rows', String(meta.rows)).send(body)
  })
}

export default datasetPredictions
