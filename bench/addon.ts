/**
 * @module
 * Add-on authoring throughput (issue: add-on authoring): `pack --push` of a
 * 50 MB job tree of random data (so gzip cannot shrink it) against
 * `skopeo copy oci:<layout> docker://…` of the same image, both into a
 * real `docker-registry` on loopback, interleaved in one run so both see
 * the same machine. Every push goes to a registry of its own, started for
 * it: nothing is skipped as already there, and neither tool can mount a
 * blob it pushed before (skopeo remembers where it pushed blobs and would
 * mount them from there). `pack --push` builds the layer (tar, gzip,
 * both hashes) and pushes; skopeo only pushes blobs that already exist, so
 * a ratio near 1 means packing costs little next to the upload. The
 * push-only figure (`pushImage` of the layout) compares like with like.
 */
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { promisify } from "node:util"
import { initAddon, packAddon, pushImage } from "../plugins/addon/mod.ts"
import { startRegistry } from "../test/helpers/registry.ts"
import { median, ms, report } from "./_stats.ts"

const run = promisify(execFile)
const ROUNDS = 3
const MB = 1024 * 1024

const cleanups: Array<() => unknown> = []
const work = mkdtempSync(join(tmpdir(), "flwd-bench-addon-"))
try {
  const fresh = () => startRegistry({ teardown: (fn) => cleanups.push(fn) })
  const dir = join(work, "addon")
  await initAddon({ dir, id: "bench" })
  // Five 10 MB files of random bytes: 50 MB that compress to about as much.
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, "jobs/hello-world", `data-${i}.bin`), randomBytes(10 * MB))
  const layout = join(work, "layout")
  const packed = await packAddon({ dir, tag: "127.0.0.1:5000/bench/layout:1", ociLayout: layout })

  const timed = async (f: () => Promise<unknown>) => {
    const started = performance.now()
    await f()
    return performance.now() - started
  }
  const flwd: Array<number> = []
  const pushOnly: Array<number> = []
  const skopeo: Array<number> = []
  for (let i = 0; i < ROUNDS; i++) {
    const [a, b, c] = [await fresh(), await fresh(), await fresh()]
    flwd.push(await timed(() => packAddon({ dir, tag: `${a.host}/bench/pack-${i}:1`, push: true })))
    pushOnly.push(await timed(() => pushImage({ image: layout, ref: `${b.host}/bench/push-${i}:1` })))
    skopeo.push(await timed(() => run("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", `oci:${layout}:1`, `docker://${c.host}/bench/skopeo-${i}:1`])))
  }
  const size = `${(packed.layer.size / MB).toFixed(1)} MB layer`
  report(`flwd :addon pack --push, 50 MB tree (${size}, median of ${ROUNDS})`, ms(median(flwd)))
  report(`flwd pushImage of the OCI layout (median of ${ROUNDS})`, ms(median(pushOnly)))
  report(`skopeo copy oci: → docker:// (median of ${ROUNDS})`, ms(median(skopeo)))
  const ratio = median(flwd) / median(skopeo)
  report("pack --push / skopeo copy", `${ratio.toFixed(2)}×`, "same run; each push to a fresh registry")
  report("push only / skopeo copy", `${(median(pushOnly) / median(skopeo)).toFixed(2)}×`)
} catch (e) {
  const missing = (e as NodeJS.ErrnoException).code === "ENOENT"
  report("add-on pack --push vs skopeo copy", "skipped", missing ? "docker-registry or skopeo not installed" : String(e))
  if (!missing) process.exitCode = 1
} finally {
  for (const fn of cleanups.reverse()) await fn()
  rmSync(work, { recursive: true, force: true })
}
