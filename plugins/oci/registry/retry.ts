/**
 * @module
 * Retries with exponential backoff and jitter on 429, 5xx and broken
 * connections, honouring `Retry-After` (RFC 9110 §10.2.3) up to a cap
 * (go-containerregistry `transport/retry.go`). Requests whose body cannot be
 * replayed are sent once.
 */
import type { HttpResponse, Transport } from "./_http.ts"
import { discard, header, isAbort, replayable, sleep } from "./_http.ts"
import { isTemporary, RegistryError } from "../errors.ts"

/**
 * Retry knobs.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /** Retries after the first attempt. Default 4. */
  readonly retries?: number
  /** First backoff; doubles each retry. Default 250 ms. */
  readonly baseDelayMs?: number
  /** Largest backoff. Default 8 000 ms. */
  readonly maxDelayMs?: number
  /** Largest wait a `Retry-After` header may impose. Default 30 000 ms. */
  readonly maxRetryAfterMs?: number
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504])

/** The wait a `Retry-After` header asks for, in ms (seconds or an HTTP date). @since 0.1.0 @category utils */
export function retryAfterMs(res: HttpResponse, now = Date.now()): number | undefined {
  const value = header(res, "retry-after")?.trim()
  if (value === undefined || value === "") return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Backoff before retry `n` (0-based): jitter over the upper half of an exponential ceiling. @since 0.1.0 @category utils */
export function backoffMs(n: number, options: RetryOptions = {}): number {
  const ceiling = Math.min(options.maxDelayMs ?? 8_000, (options.baseDelayMs ?? 250) * 2 ** n)
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
}

/**
 * Wraps a transport with retries.
 *
 * @since 0.1.0
 * @category wrappers
 */
export function withRetry(next: Transport, options: RetryOptions = {}): Transport {
  const retries = options.retries ?? 4
  const cap = options.maxRetryAfterMs ?? 30_000
  return async (req) => {
    const canRetry = replayable(req) && req.method !== "PATCH"
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse
      try {
        res = await next(req)
      } catch (e) {
        if (!canRetry || attempt >= retries || isAbort(e) || req.signal?.aborted) throw e
        if (!(e instanceof RegistryError) || !isTemporary(e)) throw e
        await sleep(backoffMs(attempt, options), req.signal)
        continue
      }
      if (!canRetry || attempt >= retries || !RETRY_STATUS.has(res.status)) return res
      const asked = retryAfterMs(res)
      discard(res)
      await sleep(asked !== undefined ? Math.min(asked, cap) : backoffMs(attempt, options), req.signal)
    }
  }
}
