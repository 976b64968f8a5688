/**
 * @module
 * Promise work that cleans up after itself when interrupted. `Effect.tryPromise`
 * aborts its signal and returns at once, so a temporary blob or unpack
 * directory could still be on disk when the caller's failure is reported;
 * here interruption aborts the work and then waits until it has settled —
 * and so removed what it half wrote — bounded by `settleMs`.
 */
import * as Effect from "effect/Effect"

/**
 * Runs `run`, mapping a rejection with `onError`; on interruption aborts
 * its signal and waits (up to `settleMs`, default 10 s) for it to settle.
 *
 * @since 0.1.0
 * @category constructors
 */
export function settled<A, E>(run: (signal: AbortSignal) => Promise<A>, onError: (e: unknown) => E, settleMs = 10_000): Effect.Effect<A, E> {
  return Effect.async<A, E>((resume) => {
    const controller = new AbortController()
    let work: Promise<A>
    try {
      work = run(controller.signal)
    } catch (e) {
      work = Promise.reject(e)
    }
    work.then((a) => resume(Effect.succeed(a)), (e) => resume(Effect.fail(onError(e))))
    return Effect.promise(() => {
      controller.abort()
      let timer: ReturnType<typeof setTimeout> | undefined
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, settleMs)))
      return Promise.race([work.then(() => {}, () => {}), bound]).finally(() => clearTimeout(timer))
    })
  })
}

/**
 * `promise`, or a rejection as soon as `signal` aborts: waiting on someone
 * else's work (another pull of the same blob) must not hold up an
 * interrupted caller until that work ends.
 *
 * @since 0.1.0
 * @category utils
 */
export function orAbort<A>(promise: Promise<A>, signal: AbortSignal): Promise<A> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<A>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener("abort", onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort))
  })
}
