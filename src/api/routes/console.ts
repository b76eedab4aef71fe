/**
 * The web console at /ui: the static files `npm run build` bundles from ui/ into dist/ui (Vite), served
 * as they are. It talks only to the public /v1 API of its own origin, which the Content-Security-Policy
 * enforces in the browser. Not built (a bare `tsc` or a test run before `npm run build`): /ui answers a
 * 503 that says how to build it. Public: the pages hold no data; the API behind them checks keys.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import fastifyStatic from '@fastify/static'
import { CONSOLE_NOT_BUILT } from '../../errors.js'

/** dist/ui from both src/api/routes (tsx, tests) and dist/api/routes (the built service). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../dist/ui/', import.meta.url))

/** Same origin only: no CDN, no beacon, no request leaves the service (data: for the empty favicon). */
export const CONSOLE_CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

export interface ConsoleOptions { readonly root?: string }

const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (fastify, { root = CONSOLE_DIR }) => {
  // the service's address opened in a browser: the console, not a 404
  fastify.get('/', { schema: { hide: true } }, async (_request, reply) => await reply.redirect('/ui/'))
  if (!existsSync(`${root}/index.html`)) {
    const missing = async (): Promise<never> => { throw new CONSOLE_NOT_BUILT() }
    fastify.get('/ui', { schema: { hide: true } }, missing)
    fastify.get('/ui/*', { schema: { hide: true } }, missing)
    return
  }
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/ui',
    redirect: true, // /ui → /ui/, so that the page's relative paths resolve under /ui/
    cacheControl: false, // set below, per file
    decorateReply: false, // swagger-ui registers its own instance
    setHeaders (res, path) {
      res.setHeader('content-security-policy', CONSOLE_CSP)
      res.setHeader('x-content-type-options', 'nosniff')
      // Vite names assets by content hash: they never change; index.html must be re-read to find new ones
      res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache')
    }
  })
}

export default consoleRoutes
