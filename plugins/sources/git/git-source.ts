/**
 * @module
 * The `git` source's implementation, built by the plugin's `make` once per
 * engine: a job tree in a git repository, checked out with the git CLI into
 * the data directory and pinned to a commit. Built on the public plugin API
 * only, as a third-party plugin would be. Its locks live in the engine's
 * implementation, so two engines in one process share none.
 *
 * - `resolve` asks the remote what the ref names now (`git ls-remote`; a
 *   full commit id names itself).
 * - `load` checks the pinned commit out (nothing to fetch when its tree is
 *   there) and discovers its job tree. Pull policies are core's.
 *
 * Credentials in the URL (`https://user:token@host/…`) are used for git
 * and masked in the record, provenance, events and errors; after a
 * restart the stored (masked) spec is served from the checkout, whose own
 * configuration still holds the URL for later fetches.
 */
import { existsSync, realpathSync, statSync } from "node:fs"
import { dirname, join, sep } from "node:path"
import * as Effect from "effect/Effect"
import { type LoadedSource, maskCredentials, provenance, type SourceContext, type SourceError, sourceError, type SourceImpl } from "../../../core/mod.ts"
import { discoverJobTreeEffect } from "../../tree/mod.ts"
import { addTree, ensureRepo, fetchCommit, type Pin, pruneTrees, readPin, releaseTree, repoDir, resolveRemote, sourceDir, writePin } from "./checkout.ts"
import type { GitCall, GitFailure } from "./git-cli.ts"
import { admitLocation, type GitLocation, parseGitUrl } from "./location.ts"
import type { GitPin } from "./source-pin.ts"
import { type GitSourceSpec, isCommitId } from "./spec.ts"

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

const failed = (ctx: SourceContext, what: string) => (e: GitFailure) =>
  sourceError("source.failed", `git source ${ctx.name}: ${what}: ${e.stderr.trim() || `git exited ${e.exitCode ?? "before starting"}`}`, { cause: e })

/**
 * Counts what git reports (`Receiving objects:  45% (450/1000)`) as entries:
 * the latest count of each phase, summed, so the total only grows while git
 * works and stays still when it hangs.
 */
function entryCounter(): (line: string) => number | undefined {
  const phases = new Map<string, number>()
  return (line) => {
    const m = /^([A-Za-z ]+):\s+\d+% \((\d+)\/\d+\)/.exec(line)
    if (m === null) return undefined
    phases.set(m[1]!, Math.max(phases.get(m[1]!) ?? 0, Number(m[2])))
    return [...phases.values()].reduce((a, b) => a + b, 0)
  }
}

// The worktree a loaded state came from: its root, or the tree above `path`.
function treeOf(loaded: LoadedSource): string | undefined {
  const parts = loaded.root.split(sep)
  const i = parts.lastIndexOf("trees")
  return i < 0 || i + 1 >= parts.length ? undefined : parts.slice(0, i + 2).join(sep)
}

/**
 * Builds the `git` implementation for one engine.
 *
 * @since 0.2.0
 * @category constructors
 */
export function makeGitImpl(options: GitSourceOptions = {}): Effect.Effect<SourceImpl<GitSourceSpec, GitPin>> {
  return Effect.sync(() => {
    // One git operation per directory at a time (fetches lock the shallow file); per engine, like everything it builds.
    const locks = new Map<string, Effect.Semaphore>()
    const lockOf = (dir: string) => locks.get(dir) ?? locks.set(dir, Effect.unsafeMakeSemaphore(1)).get(dir)!
    // How many live states of this engine serve each worktree: a replacement at the same commit serves the
    // same tree, so releasing the state it replaced must not remove it; the last release does.
    const held = new Map<string, number>()
    const hold = (loaded: LoadedSource) => {
      const tree = treeOf(loaded)
      if (tree !== undefined) held.set(tree, (held.get(tree) ?? 0) + 1)
      return loaded
    }

    const callFor = (loc: GitLocation, url: string, ctx: SourceContext, phase: string): GitCall => {
      const count = entryCounter()
      return {
        ...(options.binary !== undefined ? { binary: options.binary } : {}),
        protocol: loc.kind === "local" ? "file" : loc.scheme === "git+ssh" || loc.scheme === "ssh+git" ? "ssh" : loc.scheme,
        secrets: [url],
        onProgress: (line) => {
          const entries = count(line)
          return ctx.progress({ phase, message: line, ...(entries !== undefined ? { entries } : {}) })
        }
      }
    }

    const locate = (spec: GitSourceSpec, ctx: SourceContext, journalAllow: boolean) =>
      Effect.gen(function* () {
        const loc = parseGitUrl(spec.url)
        if (!("kind" in loc)) return yield* loc
        yield* admitLocation(loc, ctx, { journalAllow })
        const ref = spec.ref ?? "HEAD"
        return { loc, ref, dir: sourceDir(ctx.dataDir, ctx.name, spec.url, ref) }
      })

    // Discovers the tree of a pinned worktree, under `path` when given.
    const serve = (spec: GitSourceSpec, pin: Pin, ctx: SourceContext): Effect.Effect<LoadedSource, SourceError> =>
      Effect.gen(function* () {
        const base = realpathSync.native(pin.tree)
        let root = base
        if (spec.path !== undefined && spec.path !== "" && spec.path !== ".") {
          const wanted = join(base, spec.path)
          const bad = (message: string) =>
            sourceError("source.invalid", `git source ${ctx.name}: path ${spec.path} ${message} at ${pin.commit.slice(0, 12)}`, {
              errors: [{ path: "path", message }]
            })
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

    // Prepares the bare repository; after a restart the spec is masked and the URL git uses is the checkout's own.
    const prepare = (spec: GitSourceSpec, ctx: SourceContext, loc: GitLocation, dir: string) =>
      Effect.gen(function* () {
        if (spec.url.includes("***@") && !existsSync(repoDir(dir))) {
          return yield* sourceError(
            "source.failed",
            `git source ${ctx.name}: its checkout is gone and the stored URL has its credentials masked; add the source again`
          )
        }
        const given = callFor(loc, spec.url, ctx, "fetch")
        const origin = yield* ensureRepo(dir, loc.kind === "local" && !spec.url.includes("***@") ? loc.url : spec.url, given).pipe(
          Effect.mapError(failed(ctx, "cannot prepare the repository"))
        )
        return { ...given, secrets: [spec.url, origin] }
      })

    const resolve = (spec: GitSourceSpec, ctx: SourceContext): Effect.Effect<GitPin, SourceError> =>
      Effect.gen(function* () {
        const { loc, ref, dir } = yield* locate(spec, ctx, false)
        if (isCommitId(ref)) return { commit: ref, resolved: ref }
        return yield* lockOf(dir).withPermits(1)(Effect.gen(function* () {
          const call = yield* prepare(spec, ctx, loc, dir)
          const target = yield* resolveRemote(dir, ref, call).pipe(Effect.mapError(failed(ctx, `cannot reach ${maskCredentials(spec.url)}`)))
          if (target === null) {
            return yield* sourceError("source.invalid", `git source ${ctx.name}: ref ${ref} does not exist in ${maskCredentials(spec.url)}`, {
              errors: [{ path: "ref", message: `does not exist in the repository` }]
            })
          }
          return target
        }))
      })

    // Checks the pinned commit out beside the trees in use (nothing to fetch when its tree is there).
    const load = (spec: GitSourceSpec, given: GitPin | null, ctx: SourceContext): Effect.Effect<LoadedSource, SourceError> =>
      Effect.gen(function* () {
        const target = given ?? (yield* resolve(spec, ctx))
        const { loc, ref, dir } = yield* locate(spec, ctx, true)
        return yield* lockOf(dir).withPermits(1)(Effect.gen(function* () {
          const pinned = readPin(dir)
          if (pinned !== null && pinned.commit === target.commit && existsSync(pinned.tree)) return hold(yield* serve(spec, pinned, ctx))
          const call = yield* prepare(spec, ctx, loc, dir)
          yield* ctx.progress({ phase: "resolved", url: maskCredentials(spec.url), ref, commit: target.commit })
          yield* fetchCommit(dir, target.commit, target.resolved, call).pipe(
            Effect.mapError((e) =>
              isCommitId(ref) && /not our ref|not found|unadvertised|did not send all necessary objects/i.test(e.stderr)
                ? sourceError("source.invalid", `git source ${ctx.name}: commit ${ref} does not exist in ${maskCredentials(spec.url)}`, {
                  errors: [{ path: "ref", message: "does not exist in the repository" }]
                })
                : failed(ctx, `cannot fetch ${target.commit.slice(0, 12)}`)(e)
            )
          )
          const tree = yield* addTree(dir, target.commit, call).pipe(Effect.mapError(failed(ctx, "cannot check out")))
          const pin: Pin = { commit: target.commit, resolved: target.resolved, tree }
          const loaded = yield* serve(spec, pin, ctx).pipe(Effect.tapError(() => releaseTree(dir, tree, call)))
          writePin(dir, pin)
          // Keep the tree served until now: runs may still use it.
          yield* pruneTrees(dir, [tree, ...(pinned !== null ? [pinned.tree] : []), ...held.keys()], call)
          return hold(loaded)
        }))
      })

    // A released state frees its worktree; its directory is the one above `trees/`.
    const release = (_spec: GitSourceSpec, loaded: LoadedSource): Effect.Effect<void> => {
      const tree = treeOf(loaded)
      if (tree === undefined) return Effect.void
      const left = (held.get(tree) ?? 1) - 1
      if (left > 0) return Effect.sync(() => void held.set(tree, left))
      held.delete(tree)
      const dir = dirname(dirname(tree))
      return lockOf(dir).withPermits(1)(releaseTree(dir, tree, {})).pipe(Effect.catchAllCause(() => Effect.void))
    }

    return { resolve, load, release, redact: (spec: GitSourceSpec) => ({ ...spec, url: maskCredentials(spec.url) }) }
  })
}
