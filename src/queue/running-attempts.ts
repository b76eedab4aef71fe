/**
 * The training attempts a worker runs now, each with the signal of the stop asked for it (POST
 * /v1/training-jobs/{id}/stop, heard on the stop channel). A stop ends the run after the epoch it is in
 * and stores its model; a cancel (the job's BullMQ signal) keeps nothing. The worker also reads which jobs
 * run here (a Redis outage past the lock's duration stops them, a close names them).
 */
export class RunningAttempts {
  private readonly byJob = new Map<string, AbortController>()

  /** The stop signal of the attempt that starts now on `jobId`; close it when the attempt ends. */
  open (jobId: string): AbortSignal {
    const controller = new AbortController()
    this.byJob.set(jobId, controller)
    return controller.signal
  }

  close (jobId: string): void {
    this.byJob.delete(jobId)
  }

  /** Fires the stop of `jobId`'s running attempt: false when this worker runs none. */
  stop (jobId: string): boolean {
    const controller = this.byJob.get(jobId)
    if (controller === undefined) return false
    controller.abort('stop')
    return true
  }

  /** The ids of the jobs whose attempts run here. */
  jobIds (): string[] {
    return [...this.byJob.keys()]
  }
}
