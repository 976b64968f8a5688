/**
 * Fixtures of the add-on authoring tests: scaffolded add-on directories,
 * reading a packed layer back (tar headers and contents), an OCI layout's
 * manifest and config, and a fast registry client for fault tests.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import type { Test } from "tap"
import { extract } from "tar-stream"
import { initAddon } from "../../../plugins/addon/mod.ts"
import type { ImageConfig, Index, Manifest } from "../../../plugins/oci/mod.ts"
import { tempDir } from "../../helpers/engine.ts"

/** A freshly scaffolded add-on directory (`hello-tools`). */
export async function scaffold(t: Test, id = "hello-tools"): Promise<string> {
  const dir = join(tempDir(t, "flwd-addon-test-"), id)
  await initAddon({ dir })
  return dir
}

/** Writes files under `dir` (mode 0755 for names ending in `.sh`). */
export function write(dir: string, files: Readonly<Record<string, string | Uint8Array>>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true })
    writeFileSync(join(dir, path), content)
    if (path.endsWith(".sh")) chmodSync(join(dir, path), 0o755)
  }
}

/** A layout's blob. */
export function layoutBlob(layout: string, digest: string): Buffer {
  return readFileSync(join(layout, "blobs", "sha256", digest.slice("sha256:".length)))
}

export interface LayoutImage {
  readonly index: Index
  readonly manifest: Manifest
  readonly config: ImageConfig & { readonly history?: ReadonlyArray<Record<string, unknown>> }
}

/** The manifest and config of the image named `name` in a layout. */
export function readLayout(layout: string, name: string): LayoutImage {
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as Index
  const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === name)
  if (entry === undefined) throw new Error(`no image named ${name} in ${layout}`)
  const manifest = JSON.parse(layoutBlob(layout, entry.digest).toString("utf8")) as Manifest
  const config = JSON.parse(layoutBlob(layout, manifest.config.digest).toString("utf8")) as LayoutImage["config"]
  return { index, manifest, config }
}

export interface TarEntry {
  readonly name: string
  readonly type: string
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly uname: string
  readonly gname: string
  readonly mtime: number
  readonly linkname: string | null
  readonly content: string
}

/** The entries of a gzipped tar, in order. */
export async function tarEntries(gz: Uint8Array): Promise<ReadonlyArray<TarEntry>> {
  const out: Array<TarEntry> = []
  const ex = extract()
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Array<Buffer> = []
      for await (const c of entry) chunks.push(c as Buffer)
      const h = entry.header
      out.push({
        name: h.name,
        type: h.type ?? "file",
        mode: h.mode ?? 0,
        uid: h.uid ?? -1,
        gid: h.gid ?? -1,
        uname: h.uname ?? "",
        gname: h.gname ?? "",
        mtime: h.mtime?.getTime() ?? -1,
        linkname: h.linkname ?? null,
        content: Buffer.concat(chunks).toString("utf8")
      })
    }
  })()
  ex.end(gunzipSync(gz))
  await done
  return out
}

/** Registry options that fail fast in fault tests (no Docker credentials, short backoff). */
export const fastRetry = { dockerConfig: false as const, retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 20 } }
