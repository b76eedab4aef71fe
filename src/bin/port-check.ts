/**
 * The API's port, checked before `npm start` starts anything: a port another program holds used to
 * surface only after the embedded Redis and the worker had started (and DATA_DIR was made), as a
 * fatal log line with a stack trace. Now it is one line that says what to do, and nothing is started.
 */
import { createServer } from 'node:net'

export class PortUnavailableError extends Error {
  constructor (readonly host: string, readonly port: number, readonly code: string) {
    super(code === 'EADDRINUSE'
      ? `port ${port} on ${host} is in use (another backprop, or another program): stop it, or choose another port, e.g. PORT=${port === 65535 ? 3000 : port + 1} npm start`
      : code === 'EACCES'
        ? `port ${port} on ${host} needs privileges this user lacks: choose a port above 1023, e.g. PORT=3000 npm start`
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `HOST ${JSON.stringify(host)} is not an address of this machine, nor a name that resolves (${code}): set HOST to one, e.g. 127.0.0.1, or 0.0.0.0 for every interface`
          : `cannot listen on ${host}:${port} (${code}): check HOST and PORT`)
    this.name = 'PortUnavailableError'
  }
}

/** The listen error as a PortUnavailableError when it is one (in use, not permitted, no such address, a HOST that does not resolve), else unchanged. */
export function portError (err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].includes(code) ? new PortUnavailableError(host, port, code) : err
}

/** Resolves when host:port can be listened on now (port 0, any free port, always can); else rejects with PortUnavailableError. */
export function checkPortFree (host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (err) => { reject(portError(err, host, port)) })
    probe.listen({ port, host, exclusive: true }, () => { probe.close(() => { resolve() }) })
  })
}
