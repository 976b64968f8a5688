/**
 * @module
 * The `http-archive` source: a job tree packed as `.tar.gz`, downloaded
 * from an `http://` or `https://` URL and pinned by its SHA-256.
 *
 * Written as any plugin author would write it: everything it needs from
 * flwd comes from the package root (`flwd`; inside this repository, the
 * root `mod.ts`).
 *
 * On disk: `<dataDir>/http-archive/<name>/<sha256 prefix>-<n>/`, one
 * directory per load, extracted beside the one in use and renamed into
 * place. A restart serves what was extracted without downloading again:
 * the hash pins the content, so there is nothing to re-check.
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs"
import { dirname, join, sep } from "node:path"
import {
  defineSourcePlugin, discoverJobTreeEffect, Effect, type LoadedSource, maskCredentials, provenance, Schema, type SourceContext,
  sourceError, sourceSpec, unpackArchive, UnpackError
} from "../../../mod.ts"
import { download, DownloadError } from "./download.ts"

/** Options of `makeHttpArchiveSource`; each documents its default. */
export interface HttpArchiveOptions {
  /** Entries in the archive. Default 10 000. */
  readonly maxEntries?: number
  /** Bytes of the archive, uncompressed. Default 256 MiB. */
  readonly maxBytes?: number
  /** Largest archive downloaded, compressed. Default 64 MiB. */
  readonly maxDownloadBytes?: number
  /** Hosts archives may come from (`host` or `host:port`). Default: any host, since the hash pins the content. */
  readonly allowedHosts?: ReadonlyArray<string>
}

/** `{ type: "http-archive", name, url, sha256 }`. */
export const HttpArchiveSpec = sourceSpec("http-archive", {
  url: Schema.String.pipe(Schema.filter((u) => /^https?:\/\/[^\s]+$/i.test(u) || "must be an http:// or https:// URL")),
  sha256: Schema.String.pipe(Schema.filter((h) => /^[0-9a-f]{64}$/.test(h) || "must be the archive's SHA-256: 64 lowercase hex digits"))
})
export type HttpArchiveSpec = typeof HttpArchiveSpec.Type

const base = (ctx: SourceContext) => join(ctx.dataDir, "http-archive", ctx.name)

// The newest extraction of this hash, if any is left from an earlier load.
function existing(ctx: SourceContext, sha256: string): string | undefined {
  const dir = base(ctx)
  if (!existsSync(dir)) return undefined
  return readdirSync(dir)
    .filter((n) => n.startsWith(`${sha256.slice(0, 16)}-`) && !n.endsWith(".tmp"))
    .map((n) => join(dir, n))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
}

/** Builds the plugin; the module's default export is `makeHttpArchiveSource()`. */
export function makeHttpArchiveSource(options: HttpArchiveOptions = {}) {
  const maxDownloadBytes = options.maxDownloadBytes ?? 64 * 1024 * 1024

  const serve = (spec: HttpArchiveSpec, dir: string) => {
    // Archives often wrap their tree in one directory (`tools-1.2/`): serve what is inside.
    const entries = readdirSync(dir, { withFileTypes: true })
    const root = entries.length === 1 && entries[0].isDirectory() ? join(dir, entries[0].name) : dir
    return Effect.map(discoverJobTreeEffect(root), (tree): LoadedSource => ({
      root,
      jobs: tree.jobs,
      diagnostics: tree.diagnostics,
      provenance: provenance({ type: "http-archive", url: spec.url, sha256: spec.sha256 })
    }))
  }

  const admit = (spec: HttpArchiveSpec, ctx: SourceContext) =>
    Effect.gen(function*() {
      if (options.allowedHosts === undefined) return
      const url = new URL(spec.url)
      const ok = options.allowedHosts.some((h) => h === url.host || h === url.hostname)
      yield* ctx.decide({ decision: ok ? "allow" : "deny", subject: maskCredentials(spec.url), code: ok ? "source.allowed" : "source.not.allowed", reason: `host ${url.host}` })
      if (!ok) return yield* sourceError("source.not.allowed", `${url.host} is not an allowed archive host`, { errors: [{ path: "url", message: "host not allowed" }] })
    })

  const load = (spec: HttpArchiveSpec, ctx: SourceContext) =>
    Effect.gen(function*() {
      yield* admit(spec, ctx)
      const got = yield* Effect.tryPromise({
        try: (signal) =>
          download(spec.url, spec.sha256, {
            maxBytes: maxDownloadBytes,
            signal,
            // Progress keeps the engine from taking a long download for a hung one.
            onProgress: (bytes, total) => void Effect.runFork(ctx.progress({ phase: "download", bytes, total }))
          }),
        catch: (e) =>
          e instanceof DownloadError && (e.reason === "digest" || e.reason === "too-large")
            ? sourceError("source.invalid", `http-archive ${ctx.name}: ${e.message}`, { errors: [{ path: e.reason === "digest" ? "sha256" : "url", message: e.message }] })
            : sourceError("source.failed", `http-archive ${ctx.name}: cannot download ${maskCredentials(spec.url)}: ${e instanceof Error ? e.message : String(e)}`)
      })
      const final = join(base(ctx), `${spec.sha256.slice(0, 16)}-${randomBytes(4).toString("hex")}`)
      mkdirSync(dirname(final), { recursive: true })
      // flwd's own unpacker: it refuses what could reach outside `final` and makes `final` appear whole
      // or not at all (a crash leaves the old extraction or the new one, never half of one).
      yield* Effect.tryPromise({
        try: () =>
          unpackArchive({
            source: got.bytes,
            destination: final,
            onlyFilesAndDirectories: true,
            limits: { maxEntries: options.maxEntries ?? 10_000, maxBytes: options.maxBytes ?? 256 * 1024 * 1024 }
          }),
        catch: (e) =>
          sourceError(e instanceof UnpackError && e.reason !== "io" ? "source.invalid" : "source.failed", `http-archive ${ctx.name}: ${e instanceof Error ? e.message : String(e)}`, {
            errors: [{ path: "url", message: "the archive cannot be extracted safely" }]
          })
      })
      return yield* serve(spec, final)
    })

  return defineSourcePlugin<HttpArchiveSpec>({
    type: "http-archive",
    spec: HttpArchiveSpec,
    load,
    restore: (spec, ctx) => {
      const dir = existing(ctx, spec.sha256)
      return dir !== undefined ? serve(spec, dir) : load(spec, ctx)
    },
    // Only what `loaded` used: a replacement from the same spec was extracted beside it.
    remove: (_spec, ctx, loaded) =>
      Effect.sync(() => {
        const dir = base(ctx)
        // The extraction directory: the first level below the source's directory.
        const extracted = loaded !== undefined && loaded.root.startsWith(dir + sep) ? join(dir, loaded.root.slice(dir.length + 1).split(sep)[0]) : undefined
        if (extracted !== undefined) rmSync(extracted, { recursive: true, force: true })
        else rmSync(dir, { recursive: true, force: true })
      }),
    redact: (spec) => ({ ...spec, url: maskCredentials(spec.url) })
  })
}
