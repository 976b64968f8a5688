/**
 * Network isolation: a TCP server on the host's loopback is out of reach
 * unless the profile grants the network.
 */
import t from "tap"
import { type AddressInfo, createServer } from "node:net"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { makeSandboxExecutor } from "../../../../plugins/executors/sandbox/mod.ts"
import { busyboxRootfs, request } from "./_fixture.ts"

const executor = makeSandboxExecutor({ killGraceMs: 500 })

async function server(t: { teardown: (fn: () => void) => void }) {
  const received: Array<string> = []
  let ping!: () => void
  // The job may finish before this process handles the data it sent.
  const pinged = new Promise<void>((resolve) => (ping = resolve))
  // Answers only once the job's line has arrived: a reply sent on connect
  // could end the conversation before busybox nc has sent anything.
  const srv = createServer((socket) => {
    socket.setEncoding("utf8")
    socket.on("data", (d: string) => {
      received.push(d.trim())
      ping()
      socket.end("pong\n")
    })
    socket.on("error", () => undefined)
  })
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve))
  t.teardown(() => srv.close())
  return { port: (srv.address() as AddressInfo).port, received, pinged }
}

const script = '#!/bin/sh\nif echo ping | nc -w 2 127.0.0.1 "$1"; then echo connected; else echo refused; fi\n'

t.test("execute() without network cannot reach a server on the host's loopback", async (t) => {
  const { port, received } = await server(t)
  const { rootfs } = busyboxRootfs(t, { net: { "run.sh": script } })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/net"), ["./run.sh", String(port)])
  await Effect.runPromise(executor.execute(req))
  t.same(lines(), ["refused"])
  t.same(received, [], "the server saw no connection")
  const preview = await Effect.runPromise(executor.preview(req.job, req.settings))
  t.equal(preview.details.network, "none")
  t.notOk((preview.details.flags as Array<string>).includes("--share-net"))
})

t.test("execute() with network reaches the host's loopback", async (t) => {
  const { port, received, pinged } = await server(t)
  const { rootfs } = busyboxRootfs(t, { net: { "run.sh": script } })
  const settings = { network: true, inheritEnv: false, rootfsWritable: false }
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/net"), ["./run.sh", String(port)], { settings })
  await Effect.runPromise(executor.execute(req))
  t.same(lines(), ["pong", "connected"])
  await pinged
  t.same(received, ["ping"])
  const preview = await Effect.runPromise(executor.preview(req.job, settings))
  t.equal(preview.details.network, "host")
  t.ok((preview.details.flags as Array<string>).includes("--share-net"))
})
