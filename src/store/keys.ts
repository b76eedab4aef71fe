/**
 * Every Redis key shape, in one place. All keys start with the prefix, which carries a hash tag
 * (`{backprop}` by default) so that one MULTI may touch several keys on a Redis Cluster.
 */

/** Ids we mint are `<kind>_<uuid without dashes>`; anything else is looked up as unknown, never built into a key. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/
export const isValidId = (id: string): boolean => ID_PATTERN.test(id)

export function createKeys (prefix: string) {
  const p = prefix
  return {
    prefix: p,
    // ---- datasets: meta hash + float32 chunks of features (x) and targets (y)
    dataset: (id: string) => `${p}:dataset:${id}`,
    datasetChunk: (id: string, part: 'x' | 'y', index: number) => `${p}:dataset:${id}:${part}:${index}`,
    // sorted sets of ids by creation time (ms): all records, and each tenant's own (its lists read only that)
    datasets: (tenant?: string) => (tenant === undefined ? `${p}:datasets` : `${p}:tenant:${tenant}:datasets`),
    // ---- saved network definitions
    network: (id: string) => `${p}:network:${id}`,
    networks: (tenant?: string) => (tenant === undefined ? `${p}:networks` : `${p}:tenant:${tenant}:networks`),
    // ---- models: meta hash + one encodeModel blob; versions per name
    model: (id: string) => `${p}:model:${id}`,
    modelWeights: (id: string) => `${p}:model:${id}:weights`,
    modelEvents: () => `${p}:model-events`, // pub/sub channel: ids of deleted models, so every API replica drops them from its cache
    models: (tenant?: string) => (tenant === undefined ? `${p}:models` : `${p}:tenant:${tenant}:models`),
    modelVersions: (name: string) => `${p}:model-name:${name}:versions`, // sorted set: id by version
    modelVersionCounter: (name: string) => `${p}:model-name:${name}:counter`,
    jobModel: (jobId: string) => `${p}:job:${jobId}:model`, // the id of the one model a job stored (idempotent save)
    // ---- training jobs (BullMQ keeps its own records under `${p}:bull`)
    bullPrefix: () => `${p}:bull`,
    jobs: (tenant: string) => `${p}:tenant:${tenant}:jobs`, // sorted set: the tenant's job ids by creation time (ms)
    jobHistory: (jobId: string) => `${p}:job:${jobId}:history`,
    jobCheckpoint: (jobId: string) => `${p}:job:${jobId}:checkpoint`,
    jobEvents: (jobId: string) => `${p}:job:${jobId}:events`,
    jobCancel: () => `${p}:job-cancel`,
    jobStop: () => `${p}:job-stop`, // hash: job id → when a stop that keeps the model was asked for (ISO); also the channel workers hear it on
    jobStarted: () => `${p}:job-started`, // hash: job id → when its first attempt started (ISO); BullMQ's processedOn moves with each attempt
    fairRound: () => `${p}:fair:round`, // the highest fair-share tag a worker has started (queue/fair-share.ts)
    fairTenantTags: (tenant: string) => `${p}:fair:tenant:${tenant}:tags`, // sorted set: the tenant's queued jobs by fair-share tag
    // ---- sweeps: one JSON record each (its BullMQ parent job has the same id, in queue 'sweeps')
    sweep: (id: string) => `${p}:sweep:${id}`,
    sweeps: (tenant: string) => `${p}:tenant:${tenant}:sweeps`, // sorted set: the tenant's sweep ids by creation time (ms)
    // ---- rate limits: one token bucket hash {tokens, ts} per API key id (or per client address when open)
    rateLimit: (subject: string) => `${p}:rate:${subject}`,
    // ---- training totals for GET /metrics: the worker INCRBYs them as epochs finish
    trainedEpochs: () => `${p}:stats:epochs-trained`,
    trainedSamples: () => `${p}:stats:samples-trained`,
    // the worker that finds a stalled job (each is found once), and the one whose job failed, INCR these
    stalledJobs: () => `${p}:stats:jobs-stalled`,
    failedJobs: () => `${p}:stats:jobs-failed`
  }
}

export type Keys = ReturnType<typeof createKeys>
