/**
 * A process a test started, recorded by pid and start time, so that cleanup kills it and never another
 * process that got its pid since: pid_max can be 32,768, and a full run's browsers, workers and servers wrap
 * the pids within minutes, so a cleanup's SIGKILL by a bare recorded pid could reach another test file's
 * browser, worker or server started after the recorded process exited.
 */
import { alive, startedAt } from '../../src/bin/redis-owner.js'

export interface OwnProcess { readonly pid: number, readonly started: string }

/** The process now running under `pid`, or null when none is. */
export function ownProcess (pid: number): OwnProcess | null {
  return alive(pid) ? { pid, started: startedAt(pid) } : null
}

/** Whether the recorded process itself still runs (not merely its pid). */
export const stillRuns = (p: OwnProcess): boolean => alive(p.pid) && startedAt(p.pid) === p.started

/** Kills the recorded process with `signal` if it still runs; a pid now another process's is left alone. */
export function killOwn (p: OwnProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (stillRuns(p)) process.kill(p.pid, signal)
}
