/**
 * @module
 * The `http-archive` source: a job tree packed as `.tar.gz`, downloaded
 * from an `http://` or `https://` URL and pinned by its SHA-256.
 *
 * Written as any plugin author would write it: everything it needs from
 * flwd comes from the package root (`flwd`; inside this repository, the
 * root `mod.ts`). It uses every extension point of the contract:
 *
 * - `addFlags`: `flwd :sources add --type http-archive --url U --sha256 H`;
 * - `policy`: its section `http_archive.allowed_hosts`, with a `check`;
 * - `problems`: its own code, `archive.digest.mismatch`;
 * - `gc`: `flwd :gc` removes extractions no source refers to;
 * - `inspect`: `flwd :policy check --type http-archive --url U --sha256 H`
 *   shows the host decision an add would make, adding nothing.
 *
 * The definition is light: `make` imports the downloader and extractor,
 * once per engine, the first time a source of this type is used.
 */
import { defineSourcePlugin, Effect, PluginError, Schema, sourceSpec } from "../../../mod.ts"
import type { HttpArchiveOptions } from "./archive-impl.ts"
import { gcArchives } from "./gc.ts"
import { inspectArchive } from "./host-admission.ts"
import { checkSection, httpArchivePolicy } from "./policy-section.ts"

export type { HttpArchiveOptions } from "./archive-impl.ts"

/** `{ type: "http-archive", name, url, sha256 }`. */
export const HttpArchiveSpec = sourceSpec("http-archive", {
  url: Schema.String.pipe(Schema.filter((u) => /^https?:\/\/[^\s]+$/i.test(u) || "must be an http:// or https:// URL")),
  sha256: Schema.String.pipe(Schema.filter((h) => /^[0-9a-f]{64}$/.test(h) || "must be the archive's SHA-256: 64 lowercase hex digits"))
})
export type HttpArchiveSpec = typeof HttpArchiveSpec.Type

/** The plugin's own problem codes (the `problems` contribution): status, title and how to fix it. */
export const httpArchiveProblems = {
  "archive.digest.mismatch": {
    status: 422,
    title: "Archive digest mismatch",
    fix: "Give the SHA-256 of the archive the URL serves (sha256sum FILE prints it), or point url at the archive you pinned"
  }
} as const

/** Builds the plugin; the module's default export is `makeHttpArchiveSource()`. */
export function makeHttpArchiveSource(options: HttpArchiveOptions = {}) {
  return defineSourcePlugin<HttpArchiveSpec>({
    type: "http-archive",
    spec: HttpArchiveSpec,
    addFlags: [
      { flag: "url", placeholder: "url", help: "the archive's http:// or https:// URL" },
      { flag: "sha256", placeholder: "hex", help: "the archive's SHA-256 (sha256sum FILE)" }
    ],
    policy: httpArchivePolicy,
    problems: httpArchiveProblems,
    check: checkSection,
    gc: gcArchives,
    inspect: (spec, ctx) => inspectArchive(spec, ctx, options.allowedHosts),
    make: Effect.tryPromise({
      try: () => import("./archive-impl.ts"),
      catch: (cause) => new PluginError({ code: "plugin.invalid", detail: `http-archive: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
    }).pipe(Effect.map((m) => m.makeHttpArchiveImpl(options)))
  })
}
