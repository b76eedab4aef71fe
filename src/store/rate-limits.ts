/**
 * Token buckets in Redis, so every API replica draws on the same bucket: one Lua script reads the
 * bucket, refills it for the time elapsed (Redis's clock, not ours) and takes a token, atomically.
 * It knows nothing of HTTP; api/plugins/rate-limit.ts turns a refusal into a 429.
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
  take (subject: string): Promise<RateDecision>
}

// KEYS[1] bucket; ARGV: tokens per ms, burst. Returns {allowed, tokens×1000, ms to next token, ms to full}.
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate) end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
local toFull = math.ceil((burst - tokens) / rate)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], toFull + 1000)
local toNext = 0
if tokens < 1 then toNext = math.ceil((1 - tokens) / rate) end
return { allowed, math.floor(tokens * 1000), toNext, toFull }
`

type TakeReply = [number, number, number, number]

declare module 'ioredis' {
  interface RedisCommander {
    backpropRateTake (key: string, ratePerMs: string, burst: string): Promise<TakeReply>
  }
}

export function createRateLimiter (redis: Redis, prefix: string, { perMinute, burst }: RateLimitOptions): RateLimiter {
  if (!(perMinute > 0) || !(burst >= 1)) throw new RangeError(`rate limit needs perMinute > 0 and burst ≥ 1; got ${perMinute} and ${burst}`)
  const keys = createKeys(prefix)
  // defineCommand sends EVALSHA and falls back to EVAL when Redis lost the script (e.g. after a restart)
  redis.defineCommand('backpropRateTake', { numberOfKeys: 1, lua: TAKE })
  const ratePerMs = String(perMinute / 60_000)
  return {
    async take (subject) {
      const [allowed, milliTokens, toNext, toFull] = await redis.backpropRateTake(keys.rateLimit(subject), ratePerMs, String(burst))
      const ok = allowed === 1
      return {
        allowed: ok,
        limit: burst,
        remaining: Math.floor(milliTokens / 1000),
        retryAfterSeconds: Math.max(1, Math.ceil((ok ? 0 : toNext) / 1000)),
        resetSeconds: Math.ceil(toFull / 1000)
      }
    }
  }
}
