/**
 * @module
 * Signature verification overhead on add (issue: security profiles): the
 * same add-on image added as an `oci` source with verification disabled,
 * with a cosign key signature (`.sig` tag) and with a keyless Sigstore
 * bundle (referrers tag schema, against `@sigstore/mock` Fulcio, Rekor and
 * TSA with a trusted root made for the run), in one run against a real
 * `docker-registry` on loopback. Each mode has its own engine; the first
 * add pulls the image, the timed adds after it find the blobs cached, so
 * the difference between the medians is what verifying costs.
 */
import { generateKeyPairSync } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { createEngine, Effect, Engine, type EngineHandle, type Policy } from "../mod.ts"
import { attachBundle, cosignSign } from "../test/helpers/cosign.ts"
import { pushImage } from "../test/helpers/oci-image.ts"
import { startRegistry } from "../test/helpers/registry.ts"
import { addonImage } from "../test/plugins/sources/oci/_addon.ts"
import { dsseBundle, startMockSigstore } from "../test/plugins/trust/_sigstore-mock.ts"
import { median, ms, report } from "./_stats.ts"

const ROUNDS = 15
const ISSUER = "https://issuer.test"
const SUBJECT = "https://ci.test/acme/addons/.ci/release.yml@refs/tags/v1"

const cleanups: Array<() => unknown> = []
const teardown = { teardown: (fn: () => unknown) => void cleanups.push(fn) }
const work = mkdtempSync(join(tmpdir(), "flwd-bench-verify-"))
try {
  const registry = await startRegistry(teardown)
  const image = await addonImage()
  for (const repo of ["bench/plain", "bench/key", "bench/keyless"]) await pushImage(registry.url, repo, "1.0.0", image)
  const digest = image.manifest.digest
  const key = generateKeyPairSync("ec", { namedCurve: "P-256" })
  await cosignSign(registry.url, "bench/key", digest, key.privateKey, `${registry.host}/bench/key`)
  const mock = await startMockSigstore(teardown)
  const root = join(work, "trusted_root.json")
  writeFileSync(root, mock.trustedRoot)
  await attachBundle(
    registry.url,
    "bench/keyless",
    image.manifest,
    await dsseBundle(mock, `${registry.host}/bench/keyless`, digest, { identity: { iss: ISSUER, sub: SUBJECT } })
  )

  const base: Policy = { allowed_registries: [registry.host] }
  const modes: ReadonlyArray<{ readonly name: string; readonly repo: string; readonly policy: Policy }> = [
    { name: "verification disabled", repo: "bench/plain", policy: { ...base, verify_signatures: "disabled" } },
    {
      name: "cosign key signature",
      repo: "bench/key",
      policy: { ...base, trust: { keys: [{ name: "bench", pem: key.publicKey.export({ type: "spki", format: "pem" }).toString() }] } }
    },
    {
      name: "keyless bundle, mock Sigstore",
      repo: "bench/keyless",
      policy: { ...base, trust: { keyless: [{ issuer: ISSUER, subject: SUBJECT }], trusted_root: root } }
    }
  ]
  const engines: Array<EngineHandle> = []
  for (const [i, m] of modes.entries()) {
    const engine = await createEngine({ root: join(work, "no-jobs"), dataDir: join(work, `data-${i}`), policy: m.policy, env: {}, config: false })
    cleanups.push(() => engine.dispose())
    engines.push(engine)
  }
  // Each add is of a new source name: adding a name again with the same spec changes nothing, and would
  // verify nothing.
  let added = 0
  const add = async (i: number) => {
    const started = performance.now()
    const spec = { type: "oci", name: `addon-${++added}`, ref: `${registry.host}/${modes[i].repo}:1.0.0`, trusted: true }
    const change = await engines[i].run(Effect.flatMap(Engine, (e) => e.addSource(spec)))
    if (!change.created) throw new Error(`${modes[i].name}: the add changed nothing`)
    const trust = change.source.provenance.image_trust as { verified: boolean; mode: string }
    if (trust.mode !== "disabled" && !trust.verified) throw new Error(`${modes[i].name}: not verified`)
    return performance.now() - started
  }
  // The first add of each pulls and unpacks the image; the timed ones find it cached.
  for (const i of modes.keys()) await add(i)
  const times: Array<Array<number>> = modes.map(() => [])
  for (let round = 0; round < ROUNDS; round++) for (const i of modes.keys()) times[i].push(await add(i))
  const plain = median(times[0])
  for (const [i, m] of modes.entries()) {
    report(`add a cached add-on, ${m.name} (median of ${ROUNDS})`, ms(median(times[i])), i === 0 ? "baseline" : `+${ms(median(times[i]) - plain)}`)
  }
} catch (e) {
  const missing = (e as NodeJS.ErrnoException).code === "ENOENT"
  report("signature verification overhead on add", "skipped", missing ? "docker-registry not installed" : String(e))
  if (!missing) process.exitCode = 1
} finally {
  for (const fn of cleanups.reverse()) await fn()
  rmSync(work, { recursive: true, force: true })
}
