// Training workers as real processes (node --import tsx src/bin/worker.ts) with their logs kept as lines,
// for tests of what happens to jobs when a worker dies, loses its lock or is told to stop.
import { spawn, type ChildProcess } from 'node:child_process'

export interface WorkerProcess {
  child: ChildProcess
  /** stdout lines (pino JSON) and stderr chunks, in arrival order */
  logs: string[]
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

const children = new Set<ChildProcess>()

/** Spawns a worker with `env` over the test's own environment; resolves once it logs that it is taking jobs. */
export async function spawnWorker (env: Record<string, string | undefined>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/worker.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.add(child)
  const logs: string[] = []
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => {
    children.delete(child)
    resolve({ code, signal })
  }))
  await new Promise<void>((resolve, reject) => {
    let buffered = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        logs.push(line)
        if (line.includes('"worker started"')) resolve()
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => logs.push(chunk))
    void exited.then(({ code }) => reject(new Error(`worker exited (${code}) before starting:\n${logs.join('\n')}`)))
  })
  return { child, logs, exited }
}

/** SIGKILLs every worker still running (afterAll). */
export function killWorkers (): void {
  for (const child of children) child.kill('SIGKILL')
}

/** The pino lines of a worker's log, parsed (non-JSON lines, e.g. a stack trace, are kept as { raw }). */
export function logLines (logs: readonly string[]): Array<Record<string, unknown>> {
  return logs.flatMap((l) => l.split('\n')).filter((l) => l.trim() !== '').map((l) => {
    try { return JSON.parse(l) as Record<string, unknown> } catch { return { raw: l } }
  })
}

export async function until (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
