/**
 * Token buckets in Redis, so every API replica draws on the same bucket: one Lua script reads the
 * bucket, refills it for the time elapsed (Redis's clock, not ours) and takes tokens, atomically.
 * A replica leases a few tokens at a time (a twentieth of the burst, at most 500) and spends them
 * locally until they are gone, so a busy key costs one Redis round trip per lease instead of one per
 * request; a lease only ever makes the shared limit stricter, never looser. Leases do not expire: one
 * that expired after a second threw its unspent tokens away, so a key at 2 requests a second drained
 * 300 tokens a second from a bucket refilled with 100, and a second replica then found it empty (429s
 * at 8 requests a second under a limit of 6,000 a minute). Small limits lease one token at a time, i.e.
 * every request asks Redis. Knows nothing of HTTP.
 */
import type { Redis } from 'ioredis'
import { createKeys } from './keys.js'

export interface RateLimitOptions {
  /** Tokens added per minute. */
  readonly perMinute: number
  /** Bucket size: the most requests at once after a quiet spell. */
  readonly burst: number
}

export interface RateDecision {
  readonly allowed: boolean
  readonly limit: number
  /** Whole tokens left after this request. */
  readonly remaining: number
  /** Seconds until the next token (refused) or until the bucket is full again (allowed). */
  readonly retryAfterSeconds: number
  readonly resetSeconds: number
}

export interface RateLimiter {
  /** The decision from this replica's lease or cached refusal, if it has one: no I/O, no promise. */
  takeLocal (subject: string): RateDecision | null
  take (subject: string): Promise<RateDecision>
}

// KEYS[1] bucket; ARGV: tokens per ms, burst, tokens wanted. Returns {granted, tokens×1000 left, ms to next token, ms to full}.
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate) end
local want = tonumber(ARGV[3])
local granted = math.min(want, math.floor(tokens))
if granted < 0 then granted = 0 end
tokens = tokens - granted
local toFull = math.ceil((burst - tokens) / rate)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], toFull + 1000)
local toNext = 0
if tokens < 1 then toNext = math.ceil((1 - tokens) / rate) end
return { granted, math.floor(tokens * 1000), toNext, toFull }
`

type TakeReply = [number, number, number, number]

declare module 'ioredis' {
  interface RedisCommander {
    backpropRateTake (key: string, ratePerMs: string, burst: string, want: string): Promise<TakeReply>
  }
}

export function createRateLimiter (redis: Redis, prefix: string, { perMinute, burst }: RateLimitOptions): RateLimiter {
  if (!(perMinute > 0) || !(burst >= 1)) throw new RangeError(`rate limit needs perMinute > 0 and burst ≥ 1; got ${perMinute} and ${burst}`)
  const keys = createKeys(prefix)
  // defineCommand sends EVALSHA and falls back to EVAL when Redis lost the script (e.g. after a restart)
  redis.defineCommand('backpropRateTake', { numberOfKeys: 1, lua: TAKE })
  const ratePerMs = String(perMinute / 60_000)
  const leaseSize = Math.max(1, Math.min(MAX_LEASE, Math.floor(burst / 20)))
  const leases = new Map<string, Lease>()
  const refusals = new Map<string, { until: number, decision: RateDecision }>()
  const inFlight = new Map<string, Promise<void>>()

  /** Asks Redis for up to leaseSize tokens (one of them for the caller) and keeps the rest locally. */
  const lease = async (subject: string): Promise<RateDecision> => {
    const [granted, milliTokens, toNext, toFull] = await redis.backpropRateTake(keys.rateLimit(subject), ratePerMs, String(burst), String(leaseSize))
    const remaining = Math.floor(milliTokens / 1000)
    const resetSeconds = Math.ceil(toFull / 1000)
    if (granted < 1) {
      // empty: refuse locally until the next token is due, without asking Redis again
      const refusal = { allowed: false, limit: burst, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(toNext / 1000)), resetSeconds }
      refusals.set(subject, { until: Date.now() + toNext, decision: refusal })
      return refusal
    }
    if (granted > 1) {
      const held = leases.get(subject)
      leases.set(subject, { tokens: (held?.tokens ?? 0) + granted - 1, remaining, resetSeconds })
    }
    return { allowed: true, limit: burst, remaining: remaining + granted - 1, retryAfterSeconds: 1, resetSeconds }
  }

  const fromLease = (subject: string): RateDecision | null => {
    const l = leases.get(subject)
    if (!l || l.tokens < 1) { leases.delete(subject); return null }
    l.tokens--
    // below a quarter, the next lease is fetched in the background, so busy keys never wait for Redis
    if (leaseSize > 1 && l.tokens < leaseSize / 4 && !inFlight.has(subject)) renew(subject)
    return { allowed: true, limit: burst, remaining: l.remaining + l.tokens, retryAfterSeconds: 1, resetSeconds: l.resetSeconds }
  }

  /** Starts a lease request for the subject; its tokens join the local lease, one of them is kept for the lease itself. */
  const renew = (subject: string): Promise<RateDecision> => {
    const request = lease(subject).then((d) => {
      // the lease's own token was not spent by a request: put it back into the local lease
      if (d.allowed) { const l = leases.get(subject); if (l) l.tokens++; else leases.set(subject, { tokens: 1, remaining: d.remaining, resetSeconds: d.resetSeconds }) }
      return d
    })
    inFlight.set(subject, request.then(() => undefined, () => undefined).finally(() => inFlight.delete(subject)))
    return request
  }

  const takeLocal = (subject: string): RateDecision | null => {
    const local = fromLease(subject)
    if (local) return local
    const refused = refusals.get(subject)
    if (refused && Date.now() < refused.until) return refused.decision
    refusals.delete(subject)
    return null
  }

  return {
    takeLocal,
    async take (subject) {
      // one lease request per subject at a time: requests arriving meanwhile wait for it, then spend from it
      for (;;) {
        const local = takeLocal(subject)
        if (local) return local
        const pending = inFlight.get(subject)
        if (!pending) break
        await pending
      }
      const request = lease(subject)
      const done = request.then(() => undefined, () => undefined).finally(() => inFlight.delete(subject))
      inFlight.set(subject, done)
      return await request
    }
  }
}

/** Tokens this replica already took from the shared bucket and may hand out. */
interface Lease { tokens: number, remaining: number, resetSeconds: number }

const MAX_LEASE = 500
