/**
 * @module
 * Serving on Node with `@hono/node-server`. The only file that knows the
 * server is a `node:http` one.
 */
import { createAdaptorServer } from "@hono/node-server"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { Listen } from "./types.ts"

/**
 * @since 0.1.0
 * @category adapters
 */
export const listen: Listen = (fetch, address) =>
  new Promise((resolve, reject) => {
    const server = createAdaptorServer({ fetch }) as Server
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
