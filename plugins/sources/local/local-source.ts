/**
 * @module
 * The `local` source (alias `fs`): a tree-v1 job tree in a directory on this
 * machine. The directory must lie inside one of the allowed local roots
 * after every symlink is resolved, so adding a source over HTTP cannot
 * expose arbitrary directories of the host.
 */
import { realpathSync, statSync } from "node:fs"
import { resolve, sep } from "node:path"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { SourceError, SourceName } from "../../../core/mod.ts"
import type { FieldError, LoadedSource, SourceContext, SourcePlugin } from "../../../core/mod.ts"
import { defineSourcePlugin } from "../../../core/mod.ts"
import { discoverJobTreeEffect } from "../../tree/mod.ts"

/**
 * `{ type: "local", name, path }`; `ref` is accepted in place of `path`.
 * Unknown fields are rejected.
 *
 * @since 0.1.0
 * @category models
 */
export const LocalSourceSpec = Schema.Struct({
  type: Schema.Literal("local", "fs"),
  name: SourceName,
  path: Schema.optional(Schema.NonEmptyString),
  ref: Schema.optional(Schema.NonEmptyString)
}).annotations({ parseOptions: { onExcessProperty: "error" } }).pipe(
  Schema.filter((s) => {
    if (s.path === undefined && s.ref === undefined) return { path: ["path"], message: "is required (the directory of the job tree)" }
    if (s.path !== undefined && s.ref !== undefined) return { path: ["ref"], message: "give either path or ref, not both" }
    return true
  })
)
/** @since 0.1.0 @category models */
export type LocalSourceSpec = typeof LocalSourceSpec.Type

const isInside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)

function realOrResolved(path: string): string {
  try {
    return realpathSync.native(path)
  } catch {
    return resolve(path)
  }
}

/**
 * Resolves `given` (relative to the working directory) to a real directory
 * inside one of `allowedRoots`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolveLocalRoot(given: string, allowedRoots: ReadonlyArray<string>, field = "path"): Effect.Effect<string, SourceError> {
  return Effect.suspend(() => {
    const abs = resolve(process.cwd(), given)
    const roots = allowedRoots.map(realOrResolved)
    const fail = (code: "source.not.allowed" | "source.invalid", detail: string, error: FieldError) =>
      Effect.fail(new SourceError({ code, detail, errors: [error] }))
    const notAllowed = () =>
      fail("source.not.allowed", `${given} is not inside an allowed local root (allowed: ${roots.length > 0 ? roots.join(", ") : "none"})`, {
        path: field,
        message: "is not inside an allowed local root"
      })
    let real: string
    try {
      real = realpathSync.native(abs)
    } catch {
      // Checked before existence, so probing paths outside the allowed roots reveals nothing.
      if (!roots.some((r) => isInside(r, abs))) return notAllowed()
      return fail("source.invalid", `${given} does not exist`, { path: field, message: "does not exist" })
    }
    if (!roots.some((r) => isInside(r, real))) return notAllowed()
    if (!statSync(real).isDirectory()) return fail("source.invalid", `${given} is not a directory`, { path: field, message: "is not a directory" })
    return Effect.succeed(real)
  })
}

/**
 * The `local` source plugin. It holds nothing between calls, so its `make`
 * builds a plain object; a directory is read again at every load and never
 * re-resolved (no `resolve`, no pin).
 *
 * @since 0.1.0
 * @category plugins
 */
export const localSource: SourcePlugin<LocalSourceSpec> = defineSourcePlugin<LocalSourceSpec>({
  type: "local",
  aliases: ["fs"],
  spec: LocalSourceSpec,
  addFlags: [
    { flag: "path", help: "Directory of the job tree (inside an allowed local root)", placeholder: "DIR", complete: "directory" }
  ],
  make: Effect.succeed({
    load: (spec: LocalSourceSpec, _pin, ctx: SourceContext) =>
      Effect.gen(function* () {
        const given = spec.path ?? spec.ref ?? ""
        const root = yield* resolveLocalRoot(given, ctx.allowedLocalRoots, spec.path !== undefined ? "path" : "ref")
        const tree = yield* discoverJobTreeEffect(root)
        return { root, jobs: tree.jobs, diagnostics: tree.diagnostics, provenance: { type: "local", path: root } } satisfies LoadedSource
      })
  })
})

/**
 * Loads the root job tree (`--root`, default `./jobs`), whose jobs keep bare
 * ids. It is the operator's own choice, so no allowed-roots check applies,
 * and a root that does not exist yields no jobs and a warning, not a failure.
 *
 * @since 0.1.0
 * @category constructors
 */
export function loadRootTree(root: string): Effect.Effect<LoadedSource, SourceError> {
  return Effect.suspend(() => {
    const abs = resolve(process.cwd(), root)
    let real: string
    try {
      real = realpathSync.native(abs)
    } catch {
      return Effect.succeed(
        {
          root: abs,
          jobs: [],
          diagnostics: [{ level: "warning", code: "discovery.root.missing", path: ".", message: `the root job tree ${abs} does not exist; no jobs loaded` }],
          provenance: { type: "local", path: abs }
        } satisfies LoadedSource
      )
    }
    return Effect.map(discoverJobTreeEffect(real), (tree): LoadedSource => ({
      root: real,
      jobs: tree.jobs,
      diagnostics: tree.diagnostics,
      provenance: { type: "local", path: real }
    }))
  })
}
