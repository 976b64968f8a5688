/**
 * The OCI source's signature verifier is closed with its engine: the
 * connections it opened to a registry (the referrers API's own HTTP agent,
 * kept alive between requests) are gone once `dispose()` resolves, as an
 * operator watching the registry's side would see. An HTTP relay in front
 * of a real docker-registry counts them and asks clients to keep idle
 * connections for 10 minutes, so only closing the agent closes them within
 * the test's generous bound.
 */
import { createServer, request } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import t from "tap"
import { createEngine } from "../../../../mod.ts"
import { exampleTree } from "../../../helpers/engine.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonSpec, call, pushAddon } from "./_addon.ts"

/**
 * An HTTP relay to `target` that remembers, per client connection, whether
 * a referrers request came through it and whether it is still open. It
 * tells clients to keep idle connections for 600 s (`Keep-Alive:
 * timeout=600`, which undici honours), and keeps them itself: a connection
 * closes only when its client closes it.
 */
async function startRelay(t: { teardown: (fn: () => unknown) => void }, target: string) {
  const [host, port] = target.split(":")
  const conns = new Map<Socket, { referrers: boolean; open: boolean }>()
  const server = createServer((req, res) => {
    if ((req.url ?? "").includes("/referrers/")) conns.get(req.socket)!.referrers = true
    const upstream = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (up) => {
      const headers = { ...up.headers, connection: "keep-alive", "keep-alive": "timeout=600" }
      if (typeof headers.location === "string") headers.location = headers.location.replace(`http://${target}`, "")
      res.writeHead(up.statusCode ?? 502, headers)
      up.pipe(res)
    })
    upstream.on("error", () => res.destroy())
    req.pipe(upstream)
  })
  server.keepAliveTimeout = 0
  server.on("connection", (socket: Socket) => {
    const conn = { referrers: false, open: true }
    conns.set(socket, conn)
    socket.on("close", () => (conn.open = false))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, conns: () => [...conns.values()] }
}

/** Waits for `cond`, polling; false when `ms` pass first. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

t.test("disposing the engine closes the verifier: its registry connections are released", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const relay = await startRelay(t, registry.host)
  const tree = exampleTree(t)
  // Permissive: the unsigned image is admitted after every discovery path was tried, the referrers API among them.
  const engine = await createEngine({
    root: tree.root,
    dataDir: tree.dataDir,
    policy: { allowed_registries: [relay.host], verify_signatures: "permissive", trust: { keys: [] } }
  })
  let disposed = false
  t.teardown(() => (disposed ? undefined : engine.dispose()))
  const added = await call(engine, (e) => e.addSource(addonSpec(relay.host)))
  t.match(added.source.provenance, { image_trust: { mode: "permissive", verified: false } })

  const verifiers = () => relay.conns().filter((c) => c.referrers)
  t.ok(verifiers().length > 0, "the verifier asked the referrers API through the relay")
  t.ok(verifiers().some((c) => c.open), "its connection is kept alive while the engine lives")

  await engine.dispose()
  disposed = true
  // Left open, the agent would keep the idle connection 600 s (the relay's Keep-Alive); closed, it destroys it at once.
  t.ok(await until(() => verifiers().every((c) => !c.open), 60_000), "every connection the verifier opened is closed after dispose")
  t.ok(await until(() => relay.conns().every((c) => !c.open), 60_000), "and so is every other connection of the engine")
})
