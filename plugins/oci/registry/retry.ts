/**
 * @module
 * Retries with exponential backoff and jitter on 429, 5xx and broken
 * connections, honouring `Retry-After` (RFC 9110 §10.2.3) up to a cap
 * (go-containerregistry `transport/retry.go`). Requests whose body cannot be
 * replayed are sent once.
 *
 * Waiting is bounded twice: one request waits at most `maxWaitMs` in all,
 * and never past the request's `deadline`. A `Retry-After` longer than what
 * is left (or than `maxRetryAfterMs`) gives up at once: retrying before the
 * registry said it may would only be refused again.
 */
import type { HttpRequest, HttpResponse, Transport } from "./_http.ts"
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
  /** Largest wait a `Retry-After` header may impose; one asking for more gives up at once. Default 30 000 ms. */
  readonly maxRetryAfterMs?: number
  /** Total time one request may spend waiting between its attempts. Default 60 000 ms. */
  readonly maxWaitMs?: number
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

function tooLong(req: HttpRequest, status: number, askedMs: number, leftMs: number): RegistryError {
  return new RegistryError({
    reason: "timeout",
    detail: `${req.method} ${req.url.href} answered HTTP ${status} with Retry-After ${Math.ceil(askedMs / 1000)} s, ` +
      `more than the ${Math.max(0, Math.floor(leftMs / 1000))} s the request may still wait; gave up instead of waiting`,
    status,
    ref: req.url.host
  })
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
  const budget = options.maxWaitMs ?? 60_000
  return async (req) => {
    const canRetry = replayable(req) && req.method !== "PATCH"
    let waited = 0
    /** What this request may still wait: its budget, and what is left before its deadline. */
    const left = () => Math.min(budget - waited, req.deadline !== undefined ? req.deadline - Date.now() : Infinity)
    const wait = async (ms: number) => {
      await sleep(ms, req.signal)
      waited += ms
    }
    for (let attempt = 0;; attempt++) {
      let res: HttpResponse
      try {
        res = await next(req)
      } catch (e) {
        if (!canRetry || attempt >= retries || isAbort(e) || req.signal?.aborted) throw e
        if (!(e instanceof RegistryError) || !isTemporary(e)) throw e
        const ms = backoffMs(attempt, options)
        if (ms >= left()) throw e
        await wait(ms)
        continue
      }
      if (!canRetry || attempt >= retries || !RETRY_STATUS.has(res.status)) return res
      const asked = retryAfterMs(res)
      if (asked !== undefined && (asked > cap || asked >= left())) {
        discard(res)
        throw tooLong(req, res.status, asked, Math.min(cap, left()))
      }
      const ms = asked ?? backoffMs(attempt, options)
      // Out of budget: the registry's own answer is the error.
      if (ms >= left()) return res
      discard(res)
      await wait(ms)
    }
  }
}
