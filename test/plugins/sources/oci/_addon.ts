/**
 * Fixtures of the add-on source tests: add-on images (a busybox-static
 * layer, then `/flwd-addon/manifest.yaml` and the job tree), pushed to a
 * real registry, and the policy the tests run under (the loopback registry
 * listed, signatures not checked).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Test } from "tap"
import { Effect, Engine, type EngineHandle, type Policy, type SourceSpec } from "../../../../mod.ts"
import { buildImage, type BuiltImage, type EntrySpec, layerBlob, type Platform, pushImage, tarLayer } from "../../../helpers/oci-image.ts"
import { exampleTree, startEngine } from "../../../helpers/engine.ts"

export const BUSYBOX = ["/usr/bin/busybox", "/bin/busybox"].find((p) => existsSync(p)) ?? "/bin/busybox"
const APPLETS = ["sh", "echo", "cat", "printf", "tr", "sed", "env", "id", "ls"]

export const HELLO_CONFIG = [
  "name: Hello world",
  "summary: Greets from the image",
  "command: ./run.sh",
  "argspec:",
  "  args:",
  "    - { name: name, type: string, required: true, description: Who to greet }"
].join("\n") + "\n"

export const helloRun = (greeting = "Hello") => `#!/bin/sh\nset -eu\necho "${greeting}, \${ARG_NAME}! from $(cat /etc/image-release)"\n`

export function manifestYaml(o: { version?: string; jobs?: string | null; extra?: string; apiVersion?: string } = {}): string {
  const lines = [
    `apiVersion: ${o.apiVersion ?? "flwd.addon/v1"}`,
    "kind: AddOn",
    "metadata:",
    "  id: hello-tools",
    "  name: Hello Tools",
    `  version: ${o.version ?? "1.0.0"}`,
    "  summary: Greeting jobs",
    "  license: Apache-2.0",
    "  maintainers: [{ name: Example Maintainer }]",
    "requires:",
    '  flwd: ">=0.1.0"',
    "  permissions: []"
  ]
  if (o.jobs !== null) lines.push(o.jobs ?? "jobs:\n  - { id: hello-world, summary: Greets someone }")
  if (o.extra !== undefined) lines.push(o.extra)
  return lines.join("\n") + "\n"
}

let base: Promise<ReturnType<typeof layerBlob>> | undefined

/** The busybox layer, built once per test file (it is the same bytes every time). */
export function busyboxLayer() {
  base ??= tarLayer([
    { path: "bin/", type: "directory" },
    { path: "bin/busybox", content: readFileSync(BUSYBOX), mode: 0o755 },
    ...APPLETS.map((a): EntrySpec => ({ path: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { path: "etc/", type: "directory" },
    { path: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
    { path: "etc/image-release", content: "the add-on image\n" }
  ]).then((tar) => layerBlob(tar, "gzip"))
  return base
}

export interface AddonOptions {
  /** Manifest text; `null` leaves it out. Default `manifestYaml()`. */
  readonly manifest?: string | null
  /** Job directories under `/flwd-addon/jobs/`: files by name. Default: hello-world. */
  readonly jobs?: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly greeting?: string
  /** Extra layers (large blobs for progress and crash tests). */
  readonly extraLayers?: ReadonlyArray<ReturnType<typeof layerBlob>>
  /** Default linux/amd64. */
  readonly platform?: Platform
}

/** Builds an add-on image. */
export async function addonImage(o: AddonOptions = {}): Promise<BuiltImage> {
  const jobs = o.jobs ?? { "hello-world": { "config.yaml": HELLO_CONFIG, "run.sh": helloRun(o.greeting) } }
  const entries: Array<EntrySpec> = [{ path: "flwd-addon/", type: "directory" }]
  const manifest = o.manifest === undefined ? manifestYaml() : o.manifest
  if (manifest !== null) entries.push({ path: "flwd-addon/manifest.yaml", content: manifest })
  entries.push({ path: "flwd-addon/jobs/", type: "directory" })
  for (const [id, files] of Object.entries(jobs)) {
    entries.push({ path: `flwd-addon/jobs/${id}/`, type: "directory" })
    for (const [name, body] of Object.entries(files)) {
      entries.push({ path: `flwd-addon/jobs/${id}/${name}`, content: body, mode: name.endsWith(".sh") ? 0o755 : 0o644 })
    }
  }
  const top = layerBlob(await tarLayer(entries), "gzip")
  return buildImage([await busyboxLayer(), ...(o.extraLayers ?? []), top], o.platform !== undefined ? { platform: o.platform } : {})
}

/** Builds and pushes an add-on image under `repo:tag`; returns its manifest digest. */
export async function pushAddon(registryUrl: string, repo: string, tag: string, o: AddonOptions = {}): Promise<string> {
  return pushImage(registryUrl, repo, tag, await addonImage(o))
}

/** The policy of these tests: secure, the given registries listed, signatures not checked. */
export function testPolicy(...registries: ReadonlyArray<string>): Policy {
  return { profile: "secure", verify_signatures: "disabled", allowed_registries: [...registries] }
}

/** The same policy as a YAML file (for child processes and the server). */
export function writePolicyFile(dir: string, policy: Policy): string {
  const file = join(dir, "flwd.policy.yaml")
  writeFileSync(file, JSON.stringify(policy) + "\n")
  return file
}

/** An engine over the example tree with the given policy, data in `dataDir` (default: a fresh one). */
export async function addonEngine(t: Test, policy: Policy, dataDir?: string): Promise<{ engine: EngineHandle; dataDir: string; root: string }> {
  const tree = exampleTree(t)
  const dir = dataDir ?? tree.dataDir
  const engine = await startEngine(t, { root: tree.root, dataDir: dir, policy })
  return { engine, dataDir: dir, root: tree.root }
}

/** Runs one Engine method. */
export function call<A, E>(engine: EngineHandle, f: (e: Engine["Type"]) => Effect.Effect<A, E>): Promise<A> {
  return engine.run(Effect.flatMap(Engine, f))
}

/** The spec of the seed workflow. */
export function addonSpec(registryHost: string, extra: Record<string, unknown> = {}): SourceSpec {
  return { type: "oci", name: "addon", ref: `${registryHost}/example/addon:1.0.0`, trusted: true, pull_policy: "on-add", ...extra }
}

/** Blob GETs the registry served (HEAD and manifest requests excluded). */
export async function blobGets(registry: { requests: () => Promise<ReadonlyArray<{ method: string; path: string }>> }): Promise<number> {
  return (await registry.requests()).filter((r) => r.method === "GET" && r.path.includes("/blobs/")).length
}
