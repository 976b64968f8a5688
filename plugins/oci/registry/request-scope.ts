/**
 * @module
 * What one caller's requests carry through the shared transport stack: the
 * rule that decides which redirects to another host are followed, the
 * moment the caller gives up (retries never wait past it), and a watch
 * that says which requests were in flight when it did. A registry client
 * is shared and caches tokens and connections, so these travel on each
 * request (`RegistryClient.scoped`) rather than being built into the client.
 */
import type { HttpRequest, Transport } from "./_http.ts"
import type { RedirectRule } from "./redirect-rule.ts"

export type { RedirectHop, RedirectRule, RequestKind } from "./redirect-rule.ts"

/**
 * Which requests are in flight, to say what a deadline cut short.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestWatch {
  /** Marks `req` in flight; the returned function marks it done. */
  readonly start: (req: HttpRequest) => () => void
  /** `GET <url> (no end after 3.0 s)` for each request in flight, else the last one sent; null when none was. */
  readonly describe: () => string | null
}

/**
 * Per-caller settings of a scoped client (`RegistryClient.scoped`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestScope {
  /** Asked before a redirect leaves the registry's host. Default: every redirect is followed. */
  readonly redirect?: RedirectRule
  /** When the caller gives up, in ms since the epoch: retries that would wait past it give up at once. Default none. */
  readonly deadline?: number
  /** Records the requests, for the message of a deadline. Default none. */
  readonly watch?: RequestWatch
}

/**
 * A watch over the requests of one caller.
 *
 * @since 0.1.0
 * @category constructors
 */
export function watchRequests(now: () => number = Date.now): RequestWatch {
  const open = new Map<number, { readonly label: string; readonly started: number }>()
  let last: { readonly label: string; readonly started: number } | null = null
  let next = 0
  const line = (e: { readonly label: string; readonly started: number }) => `${e.label} (no end after ${((now() - e.started) / 1000).toFixed(1)} s)`
  return {
    start: (req) => {
      const id = next++
      const entry = { label: `${req.method} ${req.url.href}`, started: now() }
      open.set(id, entry)
      last = entry
      return () => void open.delete(id)
    },
    describe: () => {
      if (open.size > 0) return [...open.values()].slice(0, 3).map(line).join(", ") + (open.size > 3 ? ` and ${open.size - 3} more` : "")
      return last === null ? null : `the last request was ${last.label}`
    }
  }
}

/**
 * Wraps a transport so every request carries `scope`. A request is watched
 * until its body has been read or dropped, so a download that stalls shows.
 *
 * @since 0.1.0
 * @category wrappers
 */
export function scopeTransport(next: Transport, scope: RequestScope): Transport {
  return async (req) => {
    const scoped: HttpRequest = {
      ...req,
      ...(scope.redirect !== undefined && req.redirect === undefined ? { redirect: scope.redirect } : {}),
      ...(scope.deadline !== undefined ? { deadline: Math.min(scope.deadline, req.deadline ?? Infinity) } : {})
    }
    const done = scope.watch?.start(scoped) ?? (() => {})
    try {
      const res = await next(scoped)
      res.body.once("close", done)
      if (res.body.destroyed) done()
      return res
    } catch (e) {
      done()
      throw e
    }
  }
}
