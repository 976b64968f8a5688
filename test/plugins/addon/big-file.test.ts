/**
 * A 2 GB file in the job tree (sparse: it costs no disk) is streamed from
 * disk through tar, gzip and both hashes: a child process packing it stays
 * under 300 MB of resident memory.
 */
import t from "tap"
import { execFile } from "node:child_process"
import { createReadStream } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { createGunzip } from "node:zlib"
import { extract } from "tar-stream"
import { tempDir } from "../../helpers/engine.ts"
import { readLayout, scaffold } from "./_addon.ts"

const run = promisify(execFile)
const SIZE = 2 * 1024 ** 3

/** The header of the first entry named `name`, reading no further than it. */
async function header(gz: string, name: string): Promise<{ size?: number; mode?: number } | undefined> {
  const ex = extract()
  createReadStream(gz).pipe(createGunzip()).pipe(ex as unknown as NodeJS.WritableStream)
  for await (const entry of ex) {
    if (entry.header.name === name) {
      ex.destroy()
      return entry.header
    }
    entry.resume()
  }
  return undefined
}

t.test("packAddon() streams a 2 GB file with bounded memory", async (t) => {
  const dir = await scaffold(t)
  await run("truncate", ["-s", String(SIZE), join(dir, "jobs/hello-world/big.bin")])
  const layout = join(tempDir(t), "layout")
  const child = join(import.meta.dirname, "_pack-child.ts")
  // The test runner puts its process-info loader into every child's NODE_OPTIONS; `env -u` takes it
  // out again, so the bound is on flwd's memory, not on the harness's instrumentation.
  const { stdout } = await run("env", ["-u", "NODE_OPTIONS", process.execPath, child, dir, "127.0.0.1:5000/example/big:1", layout], { maxBuffer: 1024 * 1024 })
  const result = JSON.parse(stdout)
  t.ok(result.maxRssBytes < 300 * 1024 * 1024, `peak RSS ${Math.round(result.maxRssBytes / 1024 / 1024)} MB < 300 MB`)
  t.ok(result.layer.size < 16 * 1024 * 1024, "zeros compress")
  const { manifest } = readLayout(layout, "1")
  t.equal(manifest.layers[0].digest, result.layer.digest)
  const gz = join(layout, "blobs/sha256", result.layer.digest.slice(7))
  t.match(await header(gz, "flwd-addon/jobs/hello-world/big.bin"), { size: SIZE, mode: 0o644 })
})
