/**
 * @module
 * The `git` source plugin: a job tree in a git repository, checked out
 * with the git CLI into the data directory and pinned to a commit. Built on
 * the public plugin API only, as a third-party plugin would be.
 *
 * Credentials in the URL (`https://user:token@host/…`) are used for git
 * and masked in the record, provenance, events and errors; after a
 * restart the stored (masked) spec is served from the checkout, whose own
 * configuration still holds the URL for later fetches.
 */
import { existsSync, realpathSync, statSync } from "node:fs"
import { join, sep } from "node:path"
import * as Effect from "effect/Effect"
import {
  defineSourcePlugin, type LoadedSource, maskCredentials, provenance, type SourceContext, type SourceError, sourceError
} from "../../../core/mod.ts"
import { discoverJobTreeEffect } from "../../tree/mod.ts"
import { addTree, ensureRepo, fetchCommit, type Pin, pruneTrees, readPin, releaseTree, resolveRemote, sourceDir, writePin } from "./checkout.ts"
import type { GitCall, GitFailure } from "./git-cli.ts"
import { admitLocation, type GitLocation, parseGitUrl } from "./location.ts"
import { GitSourceSpec, isCommitId } from "./spec.ts"

/**
 * Options of `makeGitSource`; each documents its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface GitSourceOptions {
  /** The git program. Default `git` on the PATH. */
  readonly binary?: string
}

// One git operation per directory at a time (fetches lock the shallow file).
const locks = new Map<string, Effect.Semaphore>()
const lockOf = (dir: string) => locks.get(dir) ?? locks.set(dir, Effect.unsafeMakeSemaphore(1)).get(dir)!
// States served from a pin at engine start: an `on-run` source re-resolves once, at
// the first use of such a state. Keyed by the object, so each engine tracks its own.
const restored = new WeakSet<LoadedSource>()

const failed = (ctx: SourceContext, what: string) => (e: GitFailure) =>
  sourceError("source.failed", `git source ${ctx.name}: ${what}: ${e.stderr.trim() || `git exited ${e.exitCode ?? "before starting"}`}`, { cause: e })

/**
 * Builds the `git` source plugin.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { createEngine } from "flwd"
 * import { makeGitSource } from "./plugins/sources/git/mod.ts"
 *
 * const engine = await createEngine({ plugins: { sources: [makeGitSource({ binary: "/usr/bin/git" })] } })
 * ```
 */
export function makeGitSource(options: GitSourceOptions = {}) {
  const callFor = (loc: GitLocation, url: string, ctx: SourceContext, phase: string): GitCall => ({
    ...(options.binary !== undefined ? { binary: options.binary } : {}),
    protocol: loc.kind === "local" ? "file" : loc.scheme === "git+ssh" || loc.scheme === "ssh+git" ? "ssh" : loc.scheme,
    secrets: [url],
    onProgress: (line) => ctx.progress({ phase, message: line })
  })

  const locate = (spec: GitSourceSpec, ctx: SourceContext) =>
    Effect.gen(function*() {
      const loc = parseGitUrl(spec.url)
      if (!("kind" in loc)) return yield* loc
      yield* admitLocation(loc, ctx)
      const ref = spec.ref ?? "HEAD"
      return { loc, ref, dir: sourceDir(ctx.dataDir, ctx.name, spec.url, ref) }
    })

  // Discovers the tree of a pinned worktree, under `path` when given.
  const serve = (spec: GitSourceSpec, pin: Pin, ctx: SourceContext): Effect.Effect<LoadedSource, SourceError> =>
    Effect.gen(function*() {
      const base = realpathSync.native(pin.tree)
      let root = base
      if (spec.path !== undefined && spec.path !== "" && spec.path !== ".") {
        const wanted = join(base, spec.path)
        const bad = (message: string) => sourceError("source.invalid", `git source ${ctx.name}: path ${spec.path} ${message} at ${pin.commit.slice(0, 12)}`, { errors: [{ path: "path", message }] })
        if (!existsSync(wanted)) return yield* bad("does not exist")
        root = realpathSync.native(wanted)
        // A symlinked `path` may not lead out of the checkout.
        if (root !== base && !root.startsWith(base + sep)) return yield* bad("leads out of the checkout")
        if (!statSync(root).isDirectory()) return yield* bad("is not a directory")
      }
      const tree = yield* discoverJobTreeEffect(root)
      return {
        root,
        jobs: tree.jobs,
        diagnostics: tree.diagnostics,
        provenance: provenance({
          type: "git",
          url: spec.url,
          ref: spec.ref ?? "HEAD",
          resolved: pin.resolved,
          commit: pin.commit,
          path: spec.path,
          pull_policy: spec.pull_policy ?? "on-add"
        })
      } satisfies LoadedSource
    })

  // Resolves the ref, fetches the commit and checks it out beside the trees in use.
  const update = (spec: GitSourceSpec, ctx: SourceContext, known: string | null) =>
    Effect.gen(function*() {
      const { loc, ref, dir } = yield* locate(spec, ctx)
      return yield* lockOf(dir).withPermits(1)(Effect.gen(function*() {
        const given = callFor(loc, spec.url, ctx, "fetch")
        const origin = yield* ensureRepo(dir, loc.kind === "local" && !spec.url.includes("***@") ? loc.url : spec.url, given).pipe(
          Effect.mapError(failed(ctx, "cannot prepare the repository"))
        )
        // After a restart the spec is masked; the URL git uses is the checkout's own.
        const call = { ...given, secrets: [spec.url, origin] }
        const target = isCommitId(ref)
          ? { commit: ref, resolved: ref }
          : yield* resolveRemote(dir, ref, call).pipe(Effect.mapError(failed(ctx, `cannot reach ${maskCredentials(spec.url)}`)))
        if (target === null) {
          return yield* sourceError("source.invalid", `git source ${ctx.name}: ref ${ref} does not exist in ${maskCredentials(spec.url)}`, {
            errors: [{ path: "ref", message: `does not exist in the repository` }]
          })
        }
        const pinned = readPin(dir)
        if (known !== null && target.commit === known && pinned !== null && existsSync(pinned.tree)) return null
        yield* ctx.progress({ phase: "resolved", url: maskCredentials(spec.url), ref, commit: target.commit })
        yield* fetchCommit(dir, target.commit, target.resolved, call).pipe(
          Effect.mapError((e) =>
            isCommitId(ref) && /not our ref|not found|unadvertised|did not send all necessary objects/i.test(e.stderr)
              ? sourceError("source.invalid", `git source ${ctx.name}: commit ${ref} does not exist in ${maskCredentials(spec.url)}`, { errors: [{ path: "ref", message: "does not exist in the repository" }] })
              : failed(ctx, `cannot fetch ${target.commit.slice(0, 12)}`)(e)
          )
        )
        const tree = yield* addTree(dir, target.commit, call).pipe(Effect.mapError(failed(ctx, "cannot check out")))
        const pin: Pin = { commit: target.commit, resolved: target.resolved, tree }
        const loaded = yield* serve(spec, pin, ctx).pipe(Effect.tapError(() => releaseTree(dir, tree, call)))
        writePin(dir, pin)
        // Keep the tree served until now: runs may still use it.
        yield* pruneTrees(dir, [tree, ...(pinned !== null ? [pinned.tree] : [])], call)
        return loaded
      }))
    })

  // Without a known commit, `update` always checks one out.
  const load = (spec: GitSourceSpec, ctx: SourceContext) => update(spec, ctx, null) as Effect.Effect<LoadedSource, SourceError>

  return defineSourcePlugin<GitSourceSpec>({
    type: "git",
    spec: GitSourceSpec,
    load,
    // A restart serves the pinned commit without the network.
    restore: (spec, ctx) =>
      Effect.gen(function*() {
        const { dir } = yield* locate(spec, ctx)
        const pin = readPin(dir)
        if (pin !== null && existsSync(pin.tree)) {
          const loaded = yield* serve(spec, pin, ctx)
          restored.add(loaded)
          return loaded
        }
        if (spec.url.includes("***@")) {
          return yield* sourceError("source.failed", `git source ${ctx.name}: its checkout is gone and the stored URL has its credentials masked; add the source again`)
        }
        return yield* load(spec, ctx)
      }),
    beforeUse: (spec, current, ctx) =>
      Effect.gen(function*() {
        const policy = spec.pull_policy ?? "on-add"
        if (policy === "on-add" || isCommitId(spec.ref ?? "HEAD")) return null
        if (policy === "on-run" && !restored.has(current)) return null
        const commit = typeof current.provenance.commit === "string" ? current.provenance.commit : null
        const next = yield* update(spec, ctx, commit)
        restored.delete(current)
        return next
      }),
    remove: (spec, ctx, loaded) =>
      Effect.gen(function*() {
        const dir = sourceDir(ctx.dataDir, ctx.name, spec.url, spec.ref ?? "HEAD")
        const tree = loaded === undefined ? undefined : readPinOf(loaded)
        yield* lockOf(dir).withPermits(1)(releaseTree(dir, tree, {}))
      }).pipe(Effect.catchAllCause(() => Effect.void)),
    redact: (spec) => ({ ...spec, url: maskCredentials(spec.url) })
  })
}

// The worktree a loaded state came from: its root, or the tree above `path`.
function readPinOf(loaded: LoadedSource): string | undefined {
  const parts = loaded.root.split(sep)
  const i = parts.lastIndexOf("trees")
  return i < 0 || i + 1 >= parts.length ? undefined : parts.slice(0, i + 2).join(sep)
}

/**
 * The `git` source plugin with default options.
 *
 * @since 0.1.0
 * @category plugins
 */
export const gitSource = makeGitSource()
