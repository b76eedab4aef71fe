/**
 * /v1/networks: validate and save a network definition, and describe it (layer shapes, parameter
 * count). A definition has no weights; training turns one into a model.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { BAD_NETWORK, NETWORK_NOT_FOUND, TOO_MANY_PARAMETERS } from '../../errors.js'
import { checkSpec, describeNetwork, type NetworkSpec } from '../../nn/spec.js'
import type { NetworkRecord } from '../../store/networks.js'
import { IdParams, NoContent, PageQuery, listOf, problems } from '../../schemas/common.js'
import { CreateNetworkRequest, NetworkResponse, type NetworkResponseBody } from '../../schemas/network.js'
import { grouped } from '../../queue/work-text.js'

export function networkResponse (record: NetworkRecord): NetworkResponseBody {
  const { layers, parameterCount } = describeNetwork(record.spec)
  return {
    id: record.id,
    name: record.name,
    inputs: record.spec.inputs,
    layers: layers.slice(0, -1),
    output: layers[layers.length - 1],
    l2: record.spec.l2 ?? 0,
    parameterCount,
    createdAt: record.createdAt,
    network: record.spec
  }
}

/** Core checks after zod (they should agree), plus the configured size limit. */
export function checkNetwork (spec: NetworkSpec, maxParameters: number): void {
  try {
    checkSpec(spec)
  } catch (err) {
    if (err instanceof RangeError) throw new BAD_NETWORK(err.message)
    throw err
  }
  const { parameterCount } = describeNetwork(spec)
  if (parameterCount > maxParameters) throw new TOO_MANY_PARAMETERS(grouped(parameterCount), grouped(maxParameters))
}

const networks: FastifyPluginAsyncZod = async (fastify) => {
  const tags = ['networks']

  fastify.post('/networks', {
    schema: {
      tags,
      summary: 'Define a network: validated, stored, and described by layer shapes and parameter count',
      body: CreateNetworkRequest,
      response: { 201: NetworkResponse, ...problems(400, 422) }
    }
  }, async (request, reply) => {
    const { name, ...spec } = request.body
    checkNetwork(spec, fastify.config.MAX_PARAMETERS)
    const record = await fastify.networks.put({ spec, tenant: request.tenant, ...(name === undefined ? {} : { name }) })
    return reply.code(201).header('location', `/v1/networks/${record.id}`).send(networkResponse(record))
  })

  fastify.get('/networks', {
    schema: { tags, summary: 'All saved network definitions, newest first, a page at a time', querystring: PageQuery, response: { 200: listOf(NetworkResponse), ...problems(400) } }
  }, async (request) => {
    const [items, total] = await Promise.all([fastify.networks.list(request.tenant, request.query), fastify.networks.count(request.tenant)])
    return { items: items.map(networkResponse), total, ...request.query }
  })

  fastify.get('/networks/:id', {
    schema: { tags, summary: 'One network definition', params: IdParams, response: { 200: NetworkResponse, ...problems(404) } }
  }, async (request) => {
    const record = await fastify.networks.get(request.params.id, request.tenant)
    if (!record) throw new NETWORK_NOT_FOUND(request.params.id)
    return networkResponse(record)
  })

  fastify.delete('/networks/:id', {
    schema: { tags, summary: 'Delete a network definition (models trained from it are kept)', params: IdParams, response: { 204: NoContent, ...problems(404) } }
  }, async (request, reply) => {
    if (!(await fastify.networks.remove(request.params.id, request.tenant))) throw new NETWORK_NOT_FOUND(request.params.id)
    request.log.info({ networkId: request.params.id, tenant: request.tenant }, 'network deleted')
    return reply.code(204).send()
  })
}

export default networks
