/**
 * The service as one Fastify plugin, and buildApp() that wraps it in an instance for bin/ and tests.
 * It never listens and never opens connections: the caller passes config, Redis and a logger in.
 */
import { ignoreEmptyBodyTypes } from './empty-body.js'
import { VERSION } from '../version.js'
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { addExamples } from './openapi-examples/examples.js'
import { addOperationIds } from './openapi-examples/operation-ids.js'
import { addResponseHeaders } from './openapi-examples/response-headers.js'
import { addRequestBodies } from './openapi-examples/request-bodies.js'
import { addErrorResponses } from './openapi-examples/error-responses.js'
import { mergeIdenticalInputSchemas } from './openapi-examples/merged-input-schemas.js'
import { SWAGGER_UI_CONFIG } from './openapi-examples/swagger-ui-config.js'
import {
  jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider
} from 'fastify-type-provider-zod'
import type { Redis } from 'ioredis'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { answerUnparsable, MAX_PARAM_LENGTH, setErrorHandling, toProblem } from './error-handler.js'
import { keepDrainedConnections, readWhole } from './body-scan.js'
import { decompressRequests } from './request-decompression.js'
import { refuseUnreadQueries } from './query-check.js'
import { jsonBodyParser } from './json-body.js'
import { PROBLEM_CONTENT_TYPE } from '../schemas/problem.js'
import { isProtocolPath } from './not-found.js'
import { PROTOCOL_JSON } from './protocols/protocol-errors.js'
import redisPlugin from './plugins/redis.js'
import redisGuard from './plugins/redis-guard.js'
import predictor from './plugins/predictor.js'
import datasetBuilder from './plugins/dataset-builder.js'
import trainingQueue from './plugins/training-queue.js'
import sweepQueue from './plugins/sweep-queue.js'
import repositories from './plugins/repositories.js'
import auth, { SECURITY_SCHEMES } from './plugins/auth.js'
import rateLimit from './plugins/rate-limit.js'
import health from './routes/health.js'
import metrics from './routes/metrics.js'
import v1 from './routes/v1.js'
import consoleRoutes from './routes/console.js'
import openInference from './routes/open-inference.js'

declare module 'fastify' {
  interface FastifyInstance { config: Config }
}

export interface AppDeps {
  readonly config: Config
  readonly redis: Redis
  readonly logger?: Logger
}


export const OPENAPI_INFO = {
  title: 'backprop',
  description: 'Train feed-forward neural networks by minibatch backpropagation and serve their predictions. ' +
    'Every error is application/problem+json (RFC 9457).\n\n' +
    '**Try it out:** the examples name `last-dataset`, `last-job`, `last-network`, `last-model` and `last-sweep`. On this ' +
    'page they stand for what you created last here, or else the newest one stored. The examples that predict, evaluate or ' +
    'export name `iris-example`, the model the training example stores on the iris example dataset: run upload (POST ' +
    '/v1/datasets), then train (POST /v1/training-jobs), then predict, or put your own model\'s name. Any other client must send real ids.',
  version: VERSION
}

export const serviceApp = fp<Omit<AppDeps, 'logger'>>(async function serviceApp (app, { config, redis }) {
  app.decorate('config', config)
  // every answer names its request, as its log lines do (requestIdOf): what a caller quotes to find them
  app.addHook('onRequest', (request, reply, done) => { reply.header('x-request-id', request.id); done() })

  // Swagger first: it collects the routes registered after it.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      tags: [
        { name: 'datasets', description: 'Upload and inspect training data' },
        { name: 'networks', description: 'Network definitions' },
        { name: 'training-jobs', description: 'Training jobs: queue, progress, server-sent events, cancel' },
        { name: 'models', description: 'Trained models: export, import and predictions' },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'open-inference', description: 'The Open Inference Protocol (KServe v2, Triton): model metadata, readiness and inference at /v2' },
        { name: 'tf-serving', description: 'TensorFlow Serving\'s REST API: :predict and model status' }
      ],
      // each route lists the scope it needs (route-scopes.ts); with no API_KEYS configured the API is open
      components: { securitySchemes: SECURITY_SCHEMES }
    },
    transform: jsonSchemaTransform,
    // request schemas that read as their answer twins are one (merged-input-schemas.ts); every operation gets its error responses, shared ones included, and its examples (openapi-examples/): request bodies, parameters, responses
    transformObject: (documentObject) => mergeIdenticalInputSchemas(addRequestBodies(addResponseHeaders(addOperationIds(addExamples(addErrorResponses(jsonSchemaTransformObject(documentObject)))))))
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: SWAGGER_UI_CONFIG })

  setErrorHandling(app, config.BODY_LIMIT)
  // a body refused while it arrives is read to its end (body-scan.ts): its connection stays usable
  keepDrainedConnections(app)
  decompressRequests(app)
  refuseUnreadQueries(app)
  // One JSON parser for every route: a body it cannot read is a 400 that says where, or what to send (json-body.ts)
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, readWhole(jsonBodyParser(app)))
  // Bodies are JSON unless a route's own scope adds a parser (routes/datasets.ts adds CSV): text/plain,
  // which Fastify parses by default, would reach JSON schemas as a string and read as a 400, not a 415.
  app.removeContentTypeParser('text/plain')
  ignoreEmptyBodyTypes(app)

  // ---- decorators: redis, repositories (training queue and predictor plugins go here)
  await app.register(redisPlugin, { redis })
  // before auth and rate limits, which read Redis: during an outage every /v1 request is a quick 503
  await app.register(redisGuard)
  // ---- who may call and how often: before every route, so each one gets its scope (route-scopes.ts)
  await app.register(auth, { keys: config.API_KEYS, prefix: config.REDIS_PREFIX, failuresPerMinute: config.AUTH_FAILURES_PER_MINUTE })
  await app.register(rateLimit, {
    prefix: config.REDIS_PREFIX, perMinute: config.RATE_LIMIT_PER_MINUTE, behindProxy: config.TRUST_PROXY !== false, ...(config.RATE_LIMIT_BURST === undefined ? {} : { burst: config.RATE_LIMIT_BURST })
  })
  await app.register(repositories, { prefix: config.REDIS_PREFIX })
  await app.register(predictor)
  await app.register(datasetBuilder)
  await app.register(trainingQueue, { prefix: config.REDIS_PREFIX })
  await app.register(sweepQueue, { prefix: config.REDIS_PREFIX })

  // ---- routes
  await app.register(health)
  await app.register(metrics)
  await app.register(v1, { prefix: '/v1' })
  await app.register(openInference)
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  await app.register(consoleRoutes)
}, { name: 'backprop' })

const trustHops = (n: number) => (_address: string, hop: number): boolean => hop < n

/** What an incoming X-Request-Id may be to be taken as the id: short, and nothing that could forge a log line. */
const REQUEST_ID = /^[\w.:/+=-]{1,128}$/

function requestIdOf (request: IncomingMessage): string {
  const sent = request.headers['x-request-id']
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID()
}

/** The same construction for bin/api.ts, the OpenAPI script and tests; call ready() or listen() on the result. */
export async function buildApp ({ config, redis, logger }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: config.BODY_LIMIT,
    // a hop count n: believe the n addresses nearest to us in X-Forwarded-For
    trustProxy: typeof config.TRUST_PROXY === 'number' ? trustHops(config.TRUST_PROXY) : config.TRUST_PROXY,
    // ids in the path may be long uuids; anything longer is not ours
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // a request's id: the caller's X-Request-Id (a tracing proxy's), else a fresh UUID; the default counter
    // (req-1, req-2, …) repeats across replicas and restarts, so logs of several APIs could not be told apart
    requestIdHeader: false,
    genReqId: requestIdOf,
    // bad url encodings (400) and over-long ids (414) are answered before routing: as problem+json too
    clientErrorHandler: answerUnparsable,
    frameworkErrors: (err, request, reply) => {
      const problem = toProblem(err, request, config.BODY_LIMIT)
      // a protocol's path answers in its protocol's form, as its routes and the not-found handler do (bytes: no charset added)
      if (isProtocolPath(request.url.split('?')[0])) void (reply as FastifyReply).code(problem.status).type(PROTOCOL_JSON).send(Buffer.from(JSON.stringify({ error: problem.detail })))
      else void (reply as FastifyReply).code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
    }
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  await app.register(serviceApp, { config, redis })
  return app as unknown as FastifyInstance
}

/** The OpenAPI document exactly as GET /openapi.json serves it (after ready()). */
export function openApiDocument (app: FastifyInstance): unknown {
  return app.swagger()
}
