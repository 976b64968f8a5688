/**
 * @module
 * Serving on Node with `@hono/node-server`. The only file that knows the
 * server is a `node:http` one: it sets Node's request timeouts from the
 * read timeout and answers what Node refuses on its own with problem
 * documents (`node-client-error.ts`).
 */
import { getRequestListener } from "@hono/node-server"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { answerClientError, answerRequestError } from "./node-client-error.ts"
import type { Listen } from "./types.ts"

/**
 * @since 0.1.0
 * @category adapters
 */
export const listen: Listen = (fetch, address, options = {}) =>
  new Promise((resolve, reject) => {
    const timeout = options.readTimeoutMs
    const server = createServer(
      timeout === undefined ? {} : {
        // The whole request (headers and body) must arrive within the read timeout.
        requestTimeout: timeout,
        headersTimeout: timeout,
        // Node checks for expired requests this often (30 s by default, too coarse).
        connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeout / 4)))
      },
      getRequestListener(fetch, { errorHandler: answerRequestError })
    )
    server.on("clientError", answerClientError)
    const onError = (e: Error) => reject(e)
    server.once("error", onError)
    server.listen(address.port, address.hostname, () => {
      server.off("error", onError)
      const info = server.address() as AddressInfo
      let stopped: Promise<void> | undefined
      resolve({
        hostname: info.address,
        port: info.port,
        stop: () =>
          stopped ??= new Promise<void>((done) => {
            server.close(() => done())
            // Idle keep-alive connections would otherwise hold the close open.
            server.closeIdleConnections()
          }),
        drop: () => server.closeAllConnections()
      })
    })
  })
