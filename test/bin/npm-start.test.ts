// `npm start` itself, not its entry: npm runs the package's start script through `sh -c`, forwards
// SIGINT/SIGTERM to that child and dies of SIGHUP. Before, SIGTERM to npm killed only the shell and
// SIGHUP only npm: node and its embedded redis-server ran on as orphans. Run in a scratch package whose
// start script is this package.json's own, whose build-if-stale step is the real script (the build is
// current there), and whose dist/bin/start.js runs src/bin/start.ts in the same process under tsx (so
// no build is needed): npm → sh → node as `npm start` runs them, with the real service in node.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alive } from '../../src/bin/redis-owner.js'
import { killOwn, ownProcess, type OwnProcess } from '../support/own-process.js'
import { freePort } from '../support/redis-server.js'

const scratch = mkdtempSync(join(tmpdir(), 'backprop-npm-start-'))
const started: ChildProcess[] = []
const pids: OwnProcess[] = []

beforeAll(() => {
  const own = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module', scripts: { start: own.scripts.start } }))
  mkdirSync(join(scratch, 'scripts'))
  copyFileSync('scripts/build-if-stale.mjs', join(scratch, 'scripts', 'build-if-stale.mjs'))
  mkdirSync(join(scratch, 'dist', 'bin'), { recursive: true })
  const entry = resolve('src/bin/start.ts')
  writeFileSync(join(scratch, 'dist', 'bin', 'start.js'), [
    `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}`,
    'register()',
    // start.ts runs main() when it is the entry (argv[1]), as node dist/bin/start.js is
    `process.argv[1] = ${JSON.stringify(entry)}`,
    `await import(${JSON.stringify(new URL(`file://${entry}`).href)})`
  ].join('\n'))
  const stamp = join(scratch, 'dist', '.build-stamp')
  writeFileSync(stamp, 'current\n')
  const later = new Date(Date.now() + 60_000)
  utimesSync(stamp, later, later)
})

afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const p of pids) killOwn(p)
  rmSync(scratch, { recursive: true, force: true })
})

async function until<T> (what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** `npm start` in its own process group (as a terminal runs a job), with its own DATA_DIR and port. */
async function npmStart (): Promise<{ npm: ChildProcess, nodePid: number, redisPid: number, lines: () => Record<string, unknown>[] }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'REDIS_URL' && !k.startsWith('npm_')))
  const npm = spawn('npm', ['start'], {
    cwd: scratch,
    detached: true,
    env: { ...env, PORT: String(await freePort()), DATA_DIR: mkdtempSync(join(scratch, 'data-')), TRAIN_THREADS: '1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  started.push(npm)
  let out = ''
  npm.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  npm.stderr!.on('data', (c: Buffer) => { out += c.toString() })
  const lines = (): Record<string, unknown>[] => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
  await until('the "backprop is up" log line', () => lines().find((l) => l.msg === 'backprop is up'), 90_000)
  expect(out).toContain('not rebuilding')
  const redis = lines().find((l) => l.msg === 'embedded redis started')!
  const nodePid = Number(redis.pid)
  const redisPid = Number(redis.redisPid)
  for (const pid of [nodePid, redisPid]) { const p = ownProcess(pid); if (p) pids.push(p) }
  expect(nodePid).not.toBe(npm.pid)
  expect([alive(nodePid), alive(redisPid)]).toEqual([true, true])
  return { npm, nodePid, redisPid, lines }
}

async function allGone (...pidsToWatch: number[]): Promise<void> {
  await until(`pids ${pidsToWatch.join(', ')} to exit`, () => (pidsToWatch.some(alive) ? undefined : true), 15_000)
}

describe('npm start under signals', () => {
  it('SIGTERM to npm reaches the service: it shuts down and no redis-server is left', async () => {
    const { npm, nodePid, redisPid, lines } = await npmStart()
    process.kill(npm.pid!, 'SIGTERM')
    await allGone(nodePid, redisPid)
    expect(lines().find((l) => l.msg === 'shutting down')?.reason).toBe('SIGTERM')
    expect(lines().some((l) => l.msg === 'embedded redis stopped')).toBe(true)
  }, 120_000)

  it('Ctrl-C as a terminal sends it (SIGINT to the whole process group; npm passes on a copy): one orderly shutdown', async () => {
    // node got SIGINT twice within milliseconds and took the copy for a second Ctrl-C: it exited at
    // once, the worker handed no job back and the directory's claim was left behind
    const { npm, nodePid, redisPid, lines } = await npmStart()
    const dataDir = lines().find((l) => l.msg === 'embedded redis started')!.dir as string
    process.kill(-npm.pid!, 'SIGINT')
    // npm's copy, as it comes in a terminal a few milliseconds later (sent at once, the kernel may merge the two)
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (alive(nodePid)) process.kill(nodePid, 'SIGINT')
    await allGone(npm.pid!, nodePid, redisPid)
    expect(lines().find((l) => l.msg === 'shutting down')?.reason).toBe('SIGINT')
    expect(lines().some((l) => l.msg === 'second signal: exiting now')).toBe(false)
    expect(lines().some((l) => l.msg === 'shut down')).toBe(true)
    expect(existsSync(join(dataDir, 'embedded.json'))).toBe(false)
  }, 120_000)

  it('SIGHUP to npm alone (npm dies of it, passing nothing on): the service notices and stops its redis-server', async () => {
    const { npm, nodePid, redisPid, lines } = await npmStart()
    process.kill(npm.pid!, 'SIGHUP')
    await allGone(npm.pid!, nodePid, redisPid)
    expect(lines().find((l) => l.msg === 'shutting down')?.reason).toBe(`npm (pid ${npm.pid}) exited`)
    expect(lines().some((l) => l.msg === 'embedded redis stopped')).toBe(true)
  }, 120_000)

  it('SIGHUP to the whole job (as a shell passes a hangup on to its jobs): nothing is left', async () => {
    const { npm, nodePid, redisPid, lines } = await npmStart()
    process.kill(-npm.pid!, 'SIGHUP')
    await allGone(npm.pid!, nodePid, redisPid)
    expect(lines().some((l) => l.msg === 'embedded redis stopped')).toBe(true)
  }, 120_000)

  it('in a terminal that closes (a pty whose other end goes away): the shutdown runs to its end, though its log has nowhere to go', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'))
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'REDIS_URL' && !k.startsWith('npm_')))
    // script(1) holds the pty's other end, as a terminal window does; its stdout is what the window would show
    const terminal = spawn('script', ['-qfc', 'npm start', '/dev/null'], {
      cwd: scratch,
      detached: true,
      env: { ...env, PORT: String(await freePort()), DATA_DIR: dataDir, TRAIN_THREADS: '1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    started.push(terminal)
    let shown = ''
    terminal.stdout!.on('data', (c: Buffer) => { shown += c.toString() })
    await until('"backprop is up" on the terminal', () => (shown.includes('backprop is up') ? true : undefined), 90_000)
    const ownerFile = join(dataDir, 'redis', 'embedded.json')
    const { redisPid, ownerPid } = JSON.parse(readFileSync(ownerFile, 'utf8')) as { redisPid: number, ownerPid: number }
    for (const pid of [ownerPid, redisPid]) { const p = ownProcess(pid); if (p) pids.push(p) }
    expect([alive(ownerPid), alive(redisPid)]).toEqual([true, true])

    terminal.kill('SIGKILL') // the window is gone: the pty hangs up, and npm and node get SIGHUP
    await allGone(ownerPid, redisPid)
    // only the orderly shutdown's last step (the embedded Redis stopped) removes the record; a crash
    // half-way (the pretty log's thread died with the terminal, and the next log call threw) left it
    expect(existsSync(ownerFile)).toBe(false)
  }, 120_000)
})
