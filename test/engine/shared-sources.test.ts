/**
 * Sources shared by several servers on one PostgreSQL store: an OCI add-on
 * added on one server is listed, planned and run on another; a server that
 * first uses it after the tag moved pulls the pinned digest, not what the
 * tag names now; and each server verifies signatures under its own policy
 * rather than trusting the record another server stored; a server whose
 * first pull failed tries the pin again once the registry answers. Real `flwd
 * :serve` processes, a real PostgreSQL and a real docker-registry.
 */
import { generateKeyPairSync } from "node:crypto"
import { mkdtempSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import t from "tap"
import { bearer, type Cluster, type ClusterNode, followRun, postRun, startCluster } from "../helpers/cluster.ts"
import { cosignSign } from "../helpers/cosign.ts"
import { examples } from "../helpers/engine.ts"
import { until } from "../helpers/processes.ts"
import { startRegistry } from "../helpers/registry.ts"
import { pushAddon, writePolicyFile } from "../plugins/sources/oci/_addon.ts"

// Four cold server starts, a PostgreSQL cluster and sandboxed runs: minutes on a loaded machine.
t.setTimeout(480_000)

const release = generateKeyPairSync("ec", { namedCurve: "P-256" })
const other = generateKeyPairSync("ec", { namedCurve: "P-256" })
const pem = (key: typeof release.publicKey) => key.export({ type: "spki", format: "pem" }).toString()

interface SourceView {
  readonly name: string
  readonly error: { readonly code: string } | null
  readonly provenance: { readonly digest?: string; readonly image_trust?: Record<string, unknown> }
}

const sources = async (cluster: Cluster, node: ClusterNode): Promise<Array<SourceView>> =>
  ((await (await fetch(`${node.url}/sources`, { headers: bearer(cluster) })).json()) as { items: Array<SourceView> }).items

const source = async (cluster: Cluster, node: ClusterNode, name: string): Promise<SourceView | undefined> =>
  (await sources(cluster, node)).find((s) => s.name === name)

/** Runs `addon/hello-world` on `node` and returns its status and output. */
async function greet(cluster: Cluster, node: ClusterNode): Promise<{ status: string; output: string; code?: unknown }> {
  const id = await postRun(cluster, node, { job: "addon/hello-world", args: { name: "Alice" } })
  const events = await followRun(cluster, node, id)
  // The terminal event is journaled before the run's record is updated: the record follows.
  let run = { status: "running" } as { status: string; error?: { code?: unknown } }
  await until(`run ${id}'s record to be terminal`, async () => {
    run = await (await fetch(`${node.url}/runs/${id}`, { headers: bearer(cluster) })).json() as typeof run
    return run.status !== "queued" && run.status !== "running"
  }, 60_000)
  return {
    status: run.status,
    output: events.filter((e) => e.type === "log").map((e) => String(e.data.line)).join("\n"),
    code: run.error?.code
  }
}

t.test("an OCI add-on added on one server is served by the others at its pinned digest, verified under each one's policy", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "flwd-shared-sources-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const registry = await startRegistry(t)
  const first = await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Hello" })
  await cosignSign(registry.url, "example/addon", first, release.privateKey)
  const signedOnly = (key: string) =>
    writePolicyFile(
      mkdtempSync(join(dir, "policy-")),
      { profile: "secure", verify_signatures: "required", allowed_registries: [registry.host], trust: { keys: [{ name: "release", pem: key }] } }
    )
  const policy = signedOnly(pem(release.publicKey))
  const cluster = await startCluster(t, { servers: 2, root: examples, args: ["--policy", policy] })
  const [a, b] = cluster.nodes

  const added = await fetch(`${a.url}/sources`, {
    method: "POST",
    headers: bearer(cluster, true),
    body: JSON.stringify({ type: "oci", name: "addon", ref: `${registry.host}/example/addon:1.0.0`, trusted: true })
  })
  const record = await added.json() as SourceView
  t.equal(added.status, 201, JSON.stringify(record))
  t.match(record.provenance, { digest: first, image_trust: { mode: "required", verified: true, signer: "key:release" } })

  // B follows the store: the source appears without a restart (about 250 ms plus a pull; bounded generously).
  const addedAt = Date.now()
  await until("server B to list the add-on", async () => (await source(cluster, b, "addon")) !== undefined, 60_000)
  t.comment(`server B listed it ${Date.now() - addedAt} ms after server A answered the add`)
  t.match(await source(cluster, b, "addon"), { error: null, provenance: { digest: first } })
  await until("server B to plan the add-on's job", async () => {
    const plan = await fetch(`${b.url}/plans`, {
      method: "POST",
      headers: bearer(cluster, true),
      body: JSON.stringify({ job: "addon/hello-world", args: { name: "Alice" } })
    })
    return plan.status === 200
  }, 60_000)
  const onB = await greet(cluster, b)
  t.equal(onB.status, "succeeded", JSON.stringify(onB))
  t.match(onB.output, "Hello, Alice! from the add-on image")

  // The tag moves to a new, also signed, image; a server that starts now still serves the pinned digest.
  const moved = await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Howdy" })
  await cosignSign(registry.url, "example/addon", moved, release.privateKey)
  t.not(moved, first)
  const c = await cluster.add()
  await until("server C to serve the add-on", async () => (await source(cluster, c, "addon"))?.provenance.digest !== undefined, 60_000)
  t.match(await source(cluster, c, "addon"), { error: null, provenance: { digest: first } }, "C serves the pin, not the tag's new digest")
  const onC = await greet(cluster, c)
  t.equal(onC.status, "succeeded", JSON.stringify(onC))
  t.match(onC.output, "Hello, Alice!", "C ran the pinned image")
  t.notMatch(onC.output, "Howdy")
  t.match(await source(cluster, a, "addon"), { provenance: { digest: first } }, "C wrote no other pin back")

  // A server whose policy trusts another key verifies the digest itself and refuses it, whatever A recorded.
  const d = await cluster.add(["--policy", signedOnly(pem(other.publicKey))])
  await until("server D to hold the add-on", async () => (await source(cluster, d, "addon")) !== undefined, 60_000)
  const onD = await source(cluster, d, "addon")
  t.match(onD?.error, { code: /^image\.signature\./ }, JSON.stringify(onD))
  const plan = await fetch(`${d.url}/plans`, {
    method: "POST",
    headers: bearer(cluster, true),
    body: JSON.stringify({ job: "addon/hello-world", args: { name: "Alice" } })
  })
  t.not(plan.status, 200, "D plans nothing from an image its policy does not trust")
  t.match(await source(cluster, a, "addon"), { error: null, provenance: { digest: first } }, "D's refusal is its own: the stored record is unchanged")
  // Any server may claim a queued run, and D would fail one of the add-on's: it leaves before E's part.
  await d.kill9()

  // A server whose first pull fails (the registry's blobs gone for a while) tries the pinned digest again
  // once they are back, without a restart, without a refresh and without moving anyone's pin.
  const blobs = join(registry.storage, "docker", "registry", "v2", "blobs")
  renameSync(blobs, `${blobs}.away`)
  const e = await cluster.add()
  await until("server E to hold the add-on as failed", async () => (await source(cluster, e, "addon"))?.error != null, 60_000)
  renameSync(`${blobs}.away`, blobs)
  await until("server E to serve the add-on once the registry answers again", async () => (await source(cluster, e, "addon"))?.error === null, 120_000)
  t.match(await source(cluster, e, "addon"), { error: null, provenance: { digest: first } })
  const onE = await greet(cluster, e)
  t.equal(onE.status, "succeeded", JSON.stringify(onE))
  t.match(onE.output, "Hello, Alice!")
  t.match(await source(cluster, a, "addon"), { error: null, provenance: { digest: first } }, "E's retry moved no pin")
})
