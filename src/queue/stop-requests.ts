/**
 * The stops asked for the jobs a worker runs (POST /v1/training-jobs/{id}/stop, heard on the stop
 * channel): one signal per running attempt, fired when its stop comes. A stop ends the run after the
 * epoch it is in and stores its model; a cancel (the job's BullMQ signal) keeps nothing.
 */
export class StopRequests {
  private readonly byJob = new Map<string, AbortController>()

  /** The signal of the attempt that starts now on `jobId`; close it when the attempt ends. */
  open (jobId: string): AbortSignal {
    const controller = new AbortController()
    this.byJob.set(jobId, controller)
    return controller.signal
  }

  close (jobId: string): void {
    this.byJob.delete(jobId)
  }

  /** Fires the stop of `jobId`'s running attempt: false when this worker runs none. */
  request (jobId: string): boolean {
    const controller = this.byJob.get(jobId)
    if (controller === undefined) return false
    controller.abort('stop')
    return true
  }
}
