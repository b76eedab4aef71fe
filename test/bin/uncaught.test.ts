// An exception nothing catches is logged as one JSON line at level fatal before the process exits as Node
// always has (status 1, the stack on stderr): a crash that only printed to stderr escaped log-based alerts.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('logUncaught', () => {
  it('writes the uncaught exception as a fatal JSON line, then the process exits 1 as before', () => {
    const program = [
      "import { createLogger, logUncaught } from './src/logger.ts'",
      "logUncaught(createLogger({ LOG_LEVEL: 'info' }))",
      "setTimeout(() => { const e = new Error('nobody listened'); e.code = 'NN_ERR_VALIDATION'; throw e }, 10)"
    ].join('\n')
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { encoding: 'utf8', timeout: 30_000 })
    expect(run.status).toBe(1)
    const fatal = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'fatal')
    expect(fatal).toMatchObject({ msg: 'uncaught exception: the process exits', origin: 'uncaughtException', err: { message: 'nobody listened', code: 'NN_ERR_VALIDATION' } })
    expect(run.stderr).toMatch(/Error: nobody listened/) // Node's own report, unchanged
  })
})
