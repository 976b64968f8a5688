/**
 * @module
 * The innermost transport: one HTTP exchange over undici, with connect and
 * idle timeouts from the dispatcher. Redirects are not followed here (the
 * redirect wrapper does it, so it can drop `Authorization` across hosts).
 */
import type { Agent, Dispatcher } from "undici"
import { undici } from "./_undici.ts"
import type { HttpRequest, HttpResponse, Transport } from "./_http.ts"
import { networkError } from "./_http.ts"
import { RegistryError } from "../errors.ts"

/**
 * Timeouts of the undici agent.
 *
 * @since 0.1.0
 * @category models
 */
export interface TimeoutOptions {
  /** Time to establish a connection (TCP and TLS). Default 30 000 ms. */
  readonly connectMs?: number
  /** Time allowed without progress: until response headers arrive, and between body chunks. Default 60 000 ms. */
  readonly idleMs?: number
}

/**
 * An undici agent with the given timeouts; close it when done.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeAgent(timeouts: TimeoutOptions = {}): Agent {
  const idle = timeouts.idleMs ?? 60_000
  return new (undici().Agent)({
    connect: { timeout: timeouts.connectMs ?? 30_000 },
    headersTimeout: idle,
    bodyTimeout: idle
  })
}

/**
 * Sends requests with undici through `dispatcher`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function undiciTransport(dispatcher: Dispatcher): Transport {
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const headers: Record<string, string> = { ...req.headers }
    let body: Dispatcher.DispatchOptions["body"] = null
    if (req.body instanceof Uint8Array) {
      body = req.body
      headers["content-length"] = String(req.body.length)
    } else if (req.body !== undefined) {
      body = req.body.stream()
      headers["content-length"] = String(req.body.length)
    }
    if (req.url.protocol !== "http:" && req.url.protocol !== "https:") {
      throw new RegistryError({ reason: "protocol", detail: `unsupported URL scheme ${req.url.protocol}` })
    }
    try {
      const res = await undici().request(req.url, {
        dispatcher,
        method: req.method,
        headers,
        body,
        signal: req.signal ?? null
      })
      return { status: res.statusCode, headers: res.headers, body: res.body, url: req.url }
    } catch (e) {
      if (req.signal?.aborted) throw e
      throw networkError(e, req.url.host)
    }
  }
}
