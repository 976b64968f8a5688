/**
 * An add-on built by independent tools — `umoci` (layout, layers, config)
 * and `skopeo` (push, as OCI and as docker v2s2) — the way
 * docs/oci-addons.md describes, added and run through the engine.
 */
import t from "tap"
import { execFile } from "node:child_process"
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { repo, tempDir } from "../../../helpers/engine.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonEngine, addonSpec, BUSYBOX, call, HELLO_CONFIG, helloRun, manifestYaml, testPolicy } from "./_addon.ts"

const run = promisify(execFile)
const sandboxAvailable = existsSync(join(repo, "plugins/executors/sandbox/mod.ts"))

/** Builds `layout:addon` with umoci: a busybox layer, then the add-on files in a second layer. */
async function buildWithUmoci(dir: string): Promise<string> {
  const layout = join(dir, "layout")
  const bundle = join(dir, "bundle")
  await run("umoci", ["init", "--layout", layout])
  await run("umoci", ["new", "--image", `${layout}:addon`])
  await run("umoci", ["unpack", "--rootless", "--image", `${layout}:addon`, bundle])
  const rootfs = join(bundle, "rootfs")
  mkdirSync(join(rootfs, "bin"), { recursive: true })
  mkdirSync(join(rootfs, "etc"), { recursive: true })
  copyFileSync(BUSYBOX, join(rootfs, "bin/busybox"))
  chmodSync(join(rootfs, "bin/busybox"), 0o755)
  for (const applet of ["sh", "cat", "echo"]) symlinkSync("busybox", join(rootfs, "bin", applet))
  writeFileSync(join(rootfs, "etc/image-release"), "an umoci image\n")
  await run("umoci", ["repack", "--image", `${layout}:addon`, bundle])
  const jobs = join(rootfs, "flwd-addon/jobs/hello-world")
  mkdirSync(jobs, { recursive: true })
  writeFileSync(join(rootfs, "flwd-addon/manifest.yaml"), manifestYaml())
  writeFileSync(join(jobs, "config.yaml"), HELLO_CONFIG)
  writeFileSync(join(jobs, "run.sh"), helloRun("Howdy"), { mode: 0o755 })
  await run("umoci", ["repack", "--image", `${layout}:addon`, bundle])
  await run("umoci", ["config", "--image", `${layout}:addon`, "--config.env", "PATH=/bin", "--config.env", "GREETING=hi", "--config.user", "0:0"])
  return layout
}

t.test("an add-on built with umoci and pushed with skopeo (OCI and docker v2s2) loads and runs", async (t) => {
  const registry = await startRegistry(t)
  const layout = await buildWithUmoci(tempDir(t, "flwd-umoci-"))
  for (const [tag, format] of [["oci", "oci"], ["docker", "v2s2"]] as const) {
    await run("skopeo", ["copy", "--format", format, "--dest-tls-verify=false", `oci:${layout}:addon`, `docker://${registry.host}/example/addon:${tag}`])
  }
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  for (const tag of ["oci", "docker"]) {
    const added = await call(engine, (e) => e.addSource(addonSpec(registry.host, { name: `umoci-${tag}`, ref: `${registry.host}/example/addon:${tag}` })))
    t.match(added.source, { status: "ready", job_count: 1, provenance: { addon: { id: "hello-tools" } } }, tag)
    const view = await call(engine, (e) => e.job(`umoci-${tag}/hello-world`))
    t.match(view.job.image_config, { Env: ["PATH=/bin", "GREETING=hi"], User: "0:0" })
    t.ok(view.job.rootfs?.startsWith(join(dataDir, "addons")))
  }
  if (sandboxAvailable) {
    const started = await call(engine, (e) => e.run({ job: "umoci-docker/hello-world", args: { name: "Alice" } }))
    await call(engine, (e) => e.awaitIdle)
    const finished = await call(engine, (e) => e.getRun(started.id))
    const lines = (await call(engine, (e) => e.journal({ run_id: started.id }))).filter((ev) => ev.type === "log").map((ev) => ev.data.line)
    t.match(finished, { status: "succeeded" })
    t.same(lines, ["Howdy, Alice! from an umoci image"])
  }
})
