/**
 * The image's health check (Dockerfile HEALTHCHECK), for either process the one image runs: the API is
 * healthy when its /healthz answers; a worker, which serves no HTTP, when its heartbeat file is fresh and
 * says its Redis connection is ready and it is taking jobs (queue/worker-heartbeat.ts). Which one runs is
 * read from PID 1's command line (node dist/bin/worker.js in exec form, or an init running it); `node
 * dist/bin/healthcheck.js api|worker [PID]` says it outright. A worker is found by its heartbeat file: PID names
 * one; without it every running process with a heartbeat file here is checked (in a container, the worker).
 * Exits 0 (healthy) or 1, saying why on stdout (Docker keeps it: `docker inspect`, State.Health.Log).
 */
import { readFileSync } from 'node:fs'
import { roleOf, type Role } from './process-role.js'
import { tmpdir } from 'node:os'
import { runningWorkers, unhealthyReason } from '../queue/worker-heartbeat.js'

/** Why the workers named (or, none named, every worker whose heartbeat file is here) are not healthy, or undefined. */
function workersUnhealthy (pid: number | undefined): string | undefined {
  const pids = pid === undefined ? runningWorkers() : [pid]
  if (pids.length === 0) return `no running worker has a heartbeat in ${tmpdir()}: the worker has not started, has closed, or cannot write there (its log says so)`
  const faults = pids.flatMap((p) => { const why = unhealthyReason(p); return why === undefined ? [] : [pids.length > 1 ? `process ${p}: ${why}` : why] })
  return faults.length === 0 ? undefined : faults.join('; ')
}

async function whyUnhealthy (role: Role, pid: number | undefined): Promise<string | undefined> {
  if (role === 'worker') return workersUnhealthy(pid)
  const url = `http://127.0.0.1:${process.env.PORT ?? 3000}/healthz`
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
    return res.ok ? undefined : `${url} answered ${res.status}`
  } catch (err) { return `${url} did not answer: ${(err as Error).message}` }
}

const asked = process.argv[2]
const role: Role = asked === 'api' || asked === 'worker' ? asked : roleOf(readFileSync('/proc/1/cmdline', 'utf8'))
// no PID named: every worker that beats here (in a container, the one; it need not be PID 1 under --init or tini)
const pid = process.argv[3] === undefined ? undefined : Number(process.argv[3])
if (pid !== undefined && !(Number.isInteger(pid) && pid >= 1)) {
  console.log(`usage: healthcheck.js [api|worker [PID]]; PID must be a process id, got ${process.argv[3]}`)
  process.exit(1)
}
const why = await whyUnhealthy(role, pid)
console.log(why === undefined ? `${role} healthy` : `${role} unhealthy: ${why}`)
process.exit(why === undefined ? 0 : 1)
