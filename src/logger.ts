/**
 * pino options and the root logger: pretty lines on an interactive terminal (when pino-pretty,
 * a dev dependency, resolves), JSON lines otherwise. It does not decide where logs go beyond stdout.
 */
import { createRequire } from 'node:module'
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import type { Config } from './config.js'

export type { Logger }

function prettyAvailable (): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty')
    return true
  } catch {
    return false
  }
}

/**
 * An Error as pino writes one (type, message, stack, its own fields). Anything else is written as it is:
 * the outage lines pass a plain `{ message, code }` on purpose (a stack a second says nothing), and pino's
 * serializer labelled those `"type":"Object"` with an empty stack, which an operator read as a bug.
 */
function serializeErr (err: unknown): unknown {
  return err instanceof Error ? withoutCommandArgs(pino.stdSerializers.err(err)) : err
}

/**
 * ioredis puts the command that failed on its errors (`command: {name, args}`), and a refused AUTH's
 * args are the user and the password (an operator's trial found the Redis password in the API's log).
 * Other commands' args are keys and values: a dataset's whole body, say. So only the name and the
 * count are written, here and in the errors a serialized one holds (`cause`, AggregateError's `errors`).
 */
function withoutCommandArgs (value: unknown, depth = 0): unknown {
  if (depth > 8 || typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((v) => withoutCommandArgs(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const command = key === 'command' && typeof v === 'object' && v !== null ? v as { name?: unknown, args?: unknown } : undefined
    out[key] = command !== undefined && Array.isArray(command.args)
      ? { ...command, args: `[${command.args.length} not shown]` }
      : withoutCommandArgs(v, depth + 1)
  }
  return out
}

/** Query parameters a client may put a key or token in by mistake (the API reads keys from headers only, and refuses these with 401). */
const SECRET_NAMES = 'api[-_]?key|apikey|key|token|access[-_]?token|auth|authorization|x-api-key|bearer|secret|password'
const SECRET_PARAMS = new RegExp(`^(${SECRET_NAMES})$`, 'i')

/** A path's `;name=value` parameters (matrix parameters, which no route reads) with such a name, redacted as in a query. */
const SECRET_PATH_PARAMS = new RegExp(`;(${SECRET_NAMES})=[^;/?]*`, 'gi')

/** A URL with the values of such parameters replaced: the request is refused, but its logged line kept the key. */
export function redactedUrl (url: string): string {
  const q = url.indexOf('?')
  const path = (q < 0 ? url : url.slice(0, q)).replace(SECRET_PATH_PARAMS, ';$1=[redacted]')
  if (q < 0) return path
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    const name = eq < 0 ? pair : pair.slice(0, eq)
    let decoded = name
    try { decoded = decodeURIComponent(name) } catch { /* a malformed name is kept as sent */ }
    return eq >= 0 && SECRET_PARAMS.test(decoded) ? `${name}=[redacted]` : pair
  })
  return `${path}?${query.join('&')}`
}

/** Fastify's request fields (lib/logger-pino.js), with secrets in the query string redacted. */
interface LoggedRequest { method?: string, url?: string, headers?: Record<string, unknown>, host?: string, ip?: string, socket?: { remotePort?: number } }
function serializeReq (req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: req.url === undefined ? undefined : redactedUrl(req.url),
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort
  }
}

/** Chosen by whether stdout is a TTY, never by NODE_ENV (STYLE.md rule 14). */
export function loggerOptions (config: Pick<Config, 'LOG_LEVEL'>, isTTY = process.stdout.isTTY === true): LoggerOptions {
  const options: LoggerOptions = {
    level: config.LOG_LEVEL,
    // "level":"warn", not pino's 40: what log pipelines (Loki, Datadog, Cloud Logging, jq filters) and a
    // reader expect without a table of pino's numbers
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeErr, req: serializeReq },
    // API keys travel in these headers; whatever logs a request or its headers, they stay out of the logs
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie',
        'headers.authorization', 'headers["x-api-key"]', 'headers.cookie'
      ],
      censor: '[redacted]'
    }
  }
  if (isTTY && prettyAvailable()) {
    options.transport = { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } }
  }
  return options
}

/**
 * A line at level fatal, in the log's own JSON, for an exception nothing caught, before Node prints it to stderr
 * and exits as it always has (uncaughtExceptionMonitor changes nothing of that): a crash read as plain stderr text
 * alone, which log-based alerts do not see. Each entry (bin/api.ts, worker.ts, start.ts) installs it once.
 */
export function logUncaught (logger: Logger): void {
  process.on('uncaughtExceptionMonitor', (err, origin) => { logger.fatal({ err, origin }, 'uncaught exception: the process exits') })
}

export function createLogger (config: Pick<Config, 'LOG_LEVEL'>): Logger {
  const { transport, ...options } = loggerOptions(config)
  // synchronous writes to stdout: pino's default (asynchronous) stream flushes what it holds at exit with
  // sonic-boom's flushSync, which retries a write that fails with EPIPE every 100 ms for ever. A process whose
  // reader had gone (`… | head`, a dead log shipper) then never exited, SIGTERM or not (an operator's trial; 4.2.1).
  // Written synchronously, a line on a closed pipe fails once, and pino stops writing.
  if (transport === undefined) return pino(options, pino.destination({ dest: 1, sync: true }))
  return pino(options, outlivingTheTerminal(pino.transport(transport)))
}

/**
 * The pretty transport writes to the terminal from a thread of its own. When the terminal closes
 * (its SIGHUP starts a shutdown), that thread dies of the write error, and every later log call threw
 * 'the worker has exited': the shutdown's first line crashed it half-way (the job not handed back,
 * the embedded Redis left to the exit hook). With nowhere left to write, lines are dropped instead.
 */
function outlivingTheTerminal (stream: ReturnType<typeof pino.transport>): DestinationStream & { flush (cb?: (err?: Error) => void): void } {
  let gone = false
  stream.on('error', () => { gone = true })
  stream.on('close', () => { gone = true })
  return {
    write (line: string) {
      if (gone) return
      try { stream.write(line) } catch { gone = true }
    },
    flush (cb = () => undefined) {
      if (gone) { cb(); return }
      try { stream.flush(cb) } catch { gone = true; cb() }
    }
  }
}
