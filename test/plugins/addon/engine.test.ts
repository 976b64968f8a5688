/**
 * An add-on packed and pushed by flwd is what the engine's `oci` source
 * takes: added (trusted, registry allowed, signatures not checked), its job
 * planned, and — over a busybox base — run in the sandbox.
 */
import t from "tap"
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"
import { packAddon } from "../../../plugins/addon/mod.ts"
import { call, exampleTree, startEngine } from "../../helpers/engine.ts"
import { buildImage, pushImage } from "../../helpers/oci-image.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { busyboxLayer } from "../sources/oci/_addon.ts"
import { scaffold } from "./_addon.ts"

t.test("a packed add-on from scratch is added as a source and its job planned", async (t) => {
  const registry = await startRegistry(t)
  const dir = await scaffold(t)
  const ref = `${registry.host}/example/hello-tools:0.1.0`
  const packed = await packAddon({ dir, tag: ref, push: true, checkInterpreters: false })
  const tree = exampleTree(t)
  const engine = await startEngine(t, {
    root: tree.root,
    dataDir: tree.dataDir,
    policy: { allowed_registries: [registry.host], verify_signatures: "disabled" }
  })
  const change = await call(engine, (e) => e.addSource({ type: "oci", name: "hello", ref, trusted: true }))
  t.match(change.source, {
    status: "ready",
    job_count: 1,
    diagnostics: [],
    provenance: { digest: packed.digest, addon: { id: "hello-tools", version: "0.1.0" } }
  })
  const plan = await call(engine, (e) => e.plan({ job: "hello/hello-world", args: { name: "Alice" } }))
  t.match(plan, { job_id: "hello/hello-world", args: { name: "Alice" }, executor: { kind: "sandbox" }, provenance: { digest: packed.digest } })
})

t.test("a packed add-on over a busybox base runs in the sandbox", async (t) => {
  const registry = await startRegistry(t)
  await pushImage(registry.url, "base/busybox", "1", buildImage([await busyboxLayer()]))
  const dir = await scaffold(t)
  const ref = `${registry.host}/example/hello-tools:0.1.0`
  await packAddon({ dir, tag: ref, base: `${registry.host}/base/busybox:1`, platform: "linux/amd64", push: true })
  const tree = exampleTree(t)
  const engine = await startEngine(t, {
    root: tree.root,
    dataDir: tree.dataDir,
    policy: { allowed_registries: [registry.host], verify_signatures: "disabled" }
  })
  await call(engine, (e) => e.addSource({ type: "oci", name: "hello", ref, trusted: true, platform: "linux/amd64" }))
  const plan = await call(engine, (e) => e.plan({ job: "hello/hello-world", args: { name: "Alice" } }))
  t.ok(plan.executor.available, "the sandbox is there")
  const run = await call(engine, (e) => e.run({ job: "hello/hello-world", args: { name: "Alice" } }))
  const events = Chunk.toArray(await call(engine, (e) => Stream.runCollect(e.runEvents(run.id))))
  const lines = events.filter((e) => e.type === "log" && e.data.stream === "stdout").map((e) => e.data.line)
  t.same(lines, ["Hello, Alice!"])
  t.equal(events.at(-1)?.type, "run.finished")
})
