// A process whose stdout reader has gone (`node dist/bin/api.js | head`, a log shipper that died) still exits. An API
// that refused to start had hung for 7 minutes through two SIGTERMs (an operator's trial): pino's asynchronous stream
// flushes what it holds at exit with sonic-boom's flushSync, which retries a write failing with EPIPE every 100 ms for
// ever. Here the service's own logger (createLogger) writes a burst and exits at once, its reader gone.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const BURST_THEN_EXIT = `
import { createLogger } from './src/logger.ts'
const log = createLogger({ LOG_LEVEL: 'info' })
setTimeout(() => {
  for (let i = 0; i < 50; i++) log.info({ i, pad: 'x'.repeat(200) }, 'line')
  log.fatal('failed to start')
  process.exit(1)
}, 500)
`

describe('a process whose stdout pipe has closed', () => {
  it('exits when it means to, instead of retrying its last lines for ever', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', BURST_THEN_EXIT], { stdio: ['ignore', 'pipe', 'ignore'] })
    child.stdout.destroy() // as `| head -c 10` leaves it: nobody reads
    const exited = await new Promise<number | null | 'hung'>((resolve) => {
      const timer = setTimeout(() => { resolve('hung'); child.kill('SIGKILL') }, 15_000)
      child.once('exit', (code) => { clearTimeout(timer); resolve(code) })
    })
    expect(exited).toBe(1)
  }, 30_000)
})
