/**
 * @module
 * Serving on Deno with `Deno.serve`. The only file that touches the `Deno`
 * namespace, declared here structurally so the tree type-checks without
 * Deno's types.
 */
import type { Listen } from "./types.ts"

interface DenoServer {
  readonly addr: { readonly hostname: string; readonly port: number }
  readonly finished: Promise<void>
  shutdown(): Promise<void>
}

interface DenoNamespace {
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { hostname: string; port: number }) => void; signal?: AbortSignal },
    handler: (request: Request) => Response | Promise<Response>
  ): DenoServer
}

/**
 * @since 0.1.0
 * @category adapters
 */
export const listen: Listen = (fetch, address) =>
  new Promise((resolve, reject) => {
    const deno = (globalThis as unknown as { Deno: DenoNamespace }).Deno
    const abort = new AbortController()
    try {
      let stopped: Promise<void> | undefined
      let finished = false
      const server = deno.serve({
        hostname: address.hostname,
        port: address.port,
        signal: abort.signal,
        onListen: (addr) =>
          resolve({
            hostname: addr.hostname,
            port: addr.port,
            // shutdown() stops accepting and waits for in-flight responses.
            stop: () => stopped ??= server.shutdown(),
            // Aborting a server that has already finished throws in Deno.
            drop: () => {
              if (!finished) abort.abort()
            }
          })
      }, fetch)
      server.finished.then(() => (finished = true), reject)
    } catch (e) {
      reject(e)
    }
  })
