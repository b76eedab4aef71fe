// Starts a throw-away redis-server child process on a free port, for tests that need a Redis
// of their own (the default one, or one a test restarts to prove persistence).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RedisServer {
  readonly url: string
  readonly port: number
  readonly dir: string
  stop (): Promise<void>
  /** Stops and starts the same server again, on the same port and data directory. */
  restart (): Promise<void>
  /** Stops the server, keeping its data directory (start it again with resume()). */
  halt (): Promise<void>
  /** Starts a halted server again, on the same port and data directory. */
  resume (): Promise<void>
  /** SIGSTOP: the server keeps its connections (and accepts new ones) but answers nothing, as a frozen host would. */
  freeze (): void
  /** SIGCONT after freeze(). */
  thaw (): void
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

async function waitForPort (port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** `args`: more redis-server options, e.g. ['--requirepass', 'pw']. */
export async function startRedisServer ({ appendOnly = false, args = [] as string[] } = {}): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'backprop-redis-'))
  let child: ChildProcess | undefined

  const start = async (): Promise<void> => {
    child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', appendOnly ? 'yes' : 'no', '--appendfsync', 'always', ...args
    ], { stdio: 'ignore' })
    child.once('error', (err) => { throw new Error(`cannot start redis-server (is it installed?): ${err.message}`) })
    await waitForPort(port)
  }
  const stop = async (): Promise<void> => {
    const c = child
    child = undefined
    if (!c || c.exitCode !== null) return
    await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM') })
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    restart: async () => { await stop(); await start() },
    halt: stop,
    resume: start,
    freeze: () => { child?.kill('SIGSTOP') },
    thaw: () => { child?.kill('SIGCONT') },
    stop: async () => { await stop(); rmSync(dir, { recursive: true, force: true }) }
  }
}
