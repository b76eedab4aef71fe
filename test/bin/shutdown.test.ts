// The entries' close-with-grace (src/bin/shutdown.ts) in a real process: a copy of the first signal
// (a terminal's Ctrl-C reaches node from the process group and again from npm) is not a second
// request, while a later second signal still exits at once.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SAME_SIGNAL_MS } from '../../src/bin/shutdown.js'

const scratch = mkdtempSync(join(tmpdir(), 'backprop-shutdown-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  rmSync(scratch, { recursive: true, force: true })
})

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A process whose close never finishes (a job still checkpointing); its log lines, and its exit. */
async function hangingClose (): Promise<{ child: ChildProcess, lines: () => string[], exited: Promise<number | null> }> {
  const script = join(scratch, 'entry.mts')
  writeFileSync(script, [
    `import { pino } from ${JSON.stringify(import.meta.resolve('pino'))}`,
    `import { onShutdown } from ${JSON.stringify(resolve('src/bin/shutdown.ts'))}`,
    'onShutdown(pino(), () => new Promise(() => {}), { timeoutMs: 60_000 })',
    'console.log("ready")',
    'setInterval(() => {}, 1000)'
  ].join('\n'))
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: resolve('.'), stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  let out = ''
  child.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  for (let i = 0; i < 300 && !out.includes('ready'); i++) await sleep(50)
  if (!out.includes('ready')) throw new Error(`the entry did not start: ${out}`)
  return { child, lines: () => out.split('\n'), exited }
}

describe('close-with-grace', () => {
  it(`the same signal again within ${SAME_SIGNAL_MS} ms is a copy and ignored; a second one after it exits at once`, async () => {
    const { child, lines, exited } = await hangingClose()
    child.kill('SIGINT')
    await sleep(20)
    child.kill('SIGINT') // npm's copy
    await sleep(SAME_SIGNAL_MS + 200)
    expect(child.exitCode).toBeNull() // still closing
    expect(lines().some((l) => l.includes('second signal'))).toBe(false)
    child.kill('SIGINT') // a person's second Ctrl-C
    expect(await exited).toBe(1)
    expect(lines().filter((l) => l.includes('second signal: exiting now'))).toHaveLength(1)
  }, 30_000)

  it('another signal within that time is a second request (SIGINT, then SIGTERM)', async () => {
    const { child, exited } = await hangingClose()
    child.kill('SIGINT')
    await sleep(20)
    child.kill('SIGTERM')
    expect(await exited).toBe(1)
  }, 30_000)
})
