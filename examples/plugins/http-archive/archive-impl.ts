/**
 * @module
 * What the plugin's `make` builds, once per engine: `load` serves an
 * extraction of the pinned hash (downloading and extracting it when there
 * is none this engine is not already serving), `release` removes the
 * extraction a removed or replaced state used.
 *
 * On disk: `<dataDir>/http-archive/<name>/<sha256 prefix>-<n>/`, one
 * directory per load, extracted beside the one in use and renamed into
 * place. A restart serves what was extracted without downloading again:
 * the hash pins the content, so there is nothing to re-resolve (no
 * `resolve`, no pin).
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs"
import { dirname, join, sep } from "node:path"
import {
  discoverJobTreeEffect,
  Effect,
  type LoadedSource,
  maskCredentials,
  provenance,
  type SourceContext,
  sourceError,
  type SourceImpl,
  unpackArchive,
  UnpackError
} from "../../../mod.ts"
import { download, DownloadError } from "./download.ts"
import type { HttpArchiveSpec } from "./http-archive-source.ts"
import { httpArchiveProblems } from "./http-archive-source.ts"
import { hostDecision } from "./host-admission.ts"

/** Options of `makeHttpArchiveSource`; each documents its default. */
export interface HttpArchiveOptions {
  /** Entries in the archive. Default 10 000. */
  readonly maxEntries?: number
  /** Bytes of the archive, uncompressed. Default 256 MiB. */
  readonly maxBytes?: number
  /** Largest archive downloaded, compressed. Default 64 MiB. */
  readonly maxDownloadBytes?: number
  /** Hosts archives may come from (`host` or `host:port`) when the policy has no `http_archive.allowed_hosts`. Default: any host. */
  readonly allowedHosts?: ReadonlyArray<string>
}

const base = (ctx: SourceContext) => join(ctx.dataDir, "http-archive", ctx.name)

/** The implementation for one engine. */
export function makeHttpArchiveImpl(options: HttpArchiveOptions = {}): SourceImpl<HttpArchiveSpec, never> {
  const maxDownloadBytes = options.maxDownloadBytes ?? 64 * 1024 * 1024
  // Extractions served by a live state of this engine: a load never hands one out twice, since releasing the replaced state removes its own.
  const held = new Set<string>()

  // The newest extraction of this hash no state holds, if one is left from an earlier load.
  const existing = (ctx: SourceContext, sha256: string): string | undefined => {
    const dir = base(ctx)
    if (!existsSync(dir)) return undefined
    return readdirSync(dir)
      .filter((n) => n.startsWith(`${sha256.slice(0, 16)}-`) && !n.endsWith(".tmp") && !held.has(join(dir, n)))
      .map((n) => join(dir, n))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
  }

  const serve = (spec: HttpArchiveSpec, dir: string) => {
    held.add(dir)
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
    Effect.gen(function* () {
      const decision = hostDecision(spec.url, ctx.policy, options.allowedHosts)
      if (decision === null) return
      yield* ctx.decide(decision)
      if (decision.decision === "deny") {
        return yield* sourceError("source.not.allowed", `http-archive ${ctx.name}: ${decision.reason}`, {
          errors: [{ path: "url", message: "host not allowed" }]
        })
      }
    })

  const download_ = (spec: HttpArchiveSpec, ctx: SourceContext) =>
    Effect.tryPromise({
      try: (signal) =>
        download(spec.url, spec.sha256, {
          maxBytes: maxDownloadBytes,
          signal,
          // A growing byte count is progress: the engine abandons a download that stops.
          onProgress: (bytes, total) => void Effect.runFork(ctx.progress({ phase: "download", bytes, total }))
        }),
      catch: (e) =>
        e instanceof DownloadError && e.reason === "digest"
          ? sourceError("archive.digest.mismatch", `http-archive ${ctx.name}: ${e.message}`, {
            problem: httpArchiveProblems["archive.digest.mismatch"],
            errors: [{ path: "sha256", message: e.message }]
          })
          : e instanceof DownloadError && e.reason === "too-large"
          ? sourceError("source.invalid", `http-archive ${ctx.name}: ${e.message}`, { errors: [{ path: "url", message: e.message }] })
          : sourceError(
            "source.failed",
            `http-archive ${ctx.name}: cannot download ${maskCredentials(spec.url)}: ${e instanceof Error ? e.message : String(e)}`
          )
    })

  const load = (spec: HttpArchiveSpec, _pin: null, ctx: SourceContext) =>
    Effect.gen(function* () {
      yield* admit(spec, ctx)
      const found = existing(ctx, spec.sha256)
      if (found !== undefined) return yield* serve(spec, found)
      const got = yield* download_(spec, ctx)
      const final = join(base(ctx), `${spec.sha256.slice(0, 16)}-${randomBytes(4).toString("hex")}`)
      mkdirSync(dirname(final), { recursive: true })
      // flwd's own unpacker: it refuses what could reach outside `final` (links, devices, absolute
      // names, `..`) and makes `final` appear whole or not at all, so a crash leaves the old
      // extraction or the new one, never half of one.
      yield* Effect.tryPromise({
        try: () =>
          unpackArchive({
            source: got.bytes,
            destination: final,
            onlyFilesAndDirectories: true,
            limits: { maxEntries: options.maxEntries ?? 10_000, maxBytes: options.maxBytes ?? 256 * 1024 * 1024 }
          }),
        catch: (e) =>
          sourceError(
            e instanceof UnpackError && e.reason !== "io" ? "source.invalid" : "source.failed",
            `http-archive ${ctx.name}: ${e instanceof Error ? e.message : String(e)}`,
            {
              errors: [{ path: "url", message: "the archive cannot be extracted safely" }]
            }
          )
      })
      return yield* serve(spec, final)
    })

  // Only what `loaded` used: the extraction directory, the first level below the source's directory.
  const release = (_spec: HttpArchiveSpec, loaded: LoadedSource) =>
    Effect.sync(() => {
      const marker = `${sep}http-archive${sep}`
      const at = loaded.root.lastIndexOf(marker)
      if (at < 0) return
      const [name, extraction] = loaded.root.slice(at + marker.length).split(sep)
      if (name === undefined || extraction === undefined) return
      const dir = join(loaded.root.slice(0, at), "http-archive", name, extraction)
      held.delete(dir)
      rmSync(dir, { recursive: true, force: true })
    })

  return { load, release, redact: (spec) => ({ ...spec, url: maskCredentials(spec.url) }) }
}
