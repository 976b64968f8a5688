/**
 * @module
 * A git source's state on disk, `<dataDir>/git/<name>-<hash>/`:
 *
 * - `repo/`: a bare repository whose `origin` is the URL (git keeps it
 *   there, credentials included, as `git clone` does; the directory is
 *   private to the user). Fetches are shallow: only pinned commits.
 * - `trees/<commit>-<n>/`: one worktree per load, never changed afterwards,
 *   so a job running from an older tree keeps its files while a newer
 *   commit is checked out beside it.
 * - `pin.json`: the commit and tree currently served, read on restart.
 */
import { createHash, randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import process from "node:process"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { maskCredentials } from "../../../core/mod.ts"
import { git, type GitCall, type GitFailure } from "./git-cli.ts"

/** @since 0.1.0 @category models */
export interface Pin {
  readonly commit: string
  /** The ref the commit was resolved from (`refs/heads/main`), or the commit itself. */
  readonly resolved: string
  /** Absolute path of the worktree. */
  readonly tree: string
}

/** The directory of a source: its name plus a hash of what it points at (credentials masked). */
export function sourceDir(dataDir: string, name: string, url: string, ref: string): string {
  const hash = createHash("sha256").update(`${maskCredentials(url)}\n${ref}`).digest("hex").slice(0, 12)
  return join(dataDir, "git", `${name}-${hash}`)
}

export const repoDir = (dir: string) => join(dir, "repo")

/**
 * Creates the bare repository and points `origin` at `url` (unless `url`
 * is masked: then it keeps its own). Resolves to `origin`'s URL, whose
 * credentials the caller must mask too.
 */
export function ensureRepo(dir: string, url: string, call: GitCall): Effect.Effect<string, GitFailure> {
  return Effect.gen(function* () {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const repo = repoDir(dir)
    if (!existsSync(join(repo, "HEAD"))) {
      rmSync(repo, { recursive: true, force: true })
      yield* git(["init", "--bare", "--quiet", repo], call)
    }
    if (url.includes("***@")) return (yield* git(["config", "--get", "remote.origin.url"], { ...call, gitDir: repo })).trim()
    const remotes = (yield* git(["remote"], { ...call, gitDir: repo })).split("\n")
    yield* git(remotes.includes("origin") ? ["remote", "set-url", "origin", url] : ["remote", "add", "origin", url], { ...call, gitDir: repo })
    return url
  })
}

/**
 * Resolves `ref` on the remote with one `git ls-remote`: an exact `refs/…`
 * name, else a branch, else a tag (peeled to its commit), else `HEAD`.
 * Null when nothing matches.
 */
export function resolveRemote(
  dir: string,
  ref: string,
  call: GitCall
): Effect.Effect<{ readonly commit: string; readonly resolved: string } | null, GitFailure> {
  return Effect.gen(function* () {
    const wanted = ref === "HEAD" ? ["HEAD"] : ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`]
    const patterns = wanted.flatMap((w) => (w.startsWith("refs/tags/") ? [w, `${w}^{}`] : [w]))
    const out = yield* git(["ls-remote", "--", "origin", ...patterns], { ...call, gitDir: repoDir(dir) })
    const refs = new Map<string, string>()
    for (const line of out.split("\n")) {
      const [sha, name] = line.split("\t")
      if (sha !== undefined && name !== undefined) refs.set(name.trim(), sha.trim())
    }
    for (const w of wanted) {
      const commit = refs.get(`${w}^{}`) ?? refs.get(w)
      if (commit !== undefined) return { commit, resolved: w }
    }
    return null
  })
}

/** Fetches one commit (shallow), by id, else through the ref it was resolved from. */
export function fetchCommit(dir: string, commit: string, resolved: string, call: GitCall): Effect.Effect<void, GitFailure> {
  const gitDir = repoDir(dir)
  const has = git(["cat-file", "-e", `${commit}^{commit}`], { ...call, gitDir }).pipe(Effect.as(true), Effect.orElseSucceed(() => false))
  const fetch = (what: ReadonlyArray<string>, shallow = true) =>
    git(["fetch", "--quiet", "--progress", "--no-tags", ...(shallow ? ["--depth=1"] : []), "--", "origin", ...what], { ...call, gitDir })
  return Effect.gen(function* () {
    if (yield* has) return
    // Servers that refuse a want by id (old ones) still serve the ref; the dumb
    // HTTP transport serves no shallow history, only the whole ref.
    yield* fetch([commit]).pipe(
      Effect.orElse(() => fetch([`+${resolved}:refs/flwd/fetched`])),
      Effect.orElse(() => fetch([`+${resolved}:refs/flwd/fetched`], false))
    )
    if (!(yield* has)) yield* git(["cat-file", "-e", `${commit}^{commit}`], { ...call, gitDir })
  })
}

/** Checks `commit` out into a new worktree under `trees/`. */
export function addTree(dir: string, commit: string, call: GitCall): Effect.Effect<string, GitFailure> {
  return Effect.gen(function* () {
    mkdirSync(join(dir, "trees"), { recursive: true, mode: 0o700 })
    const tree = join(dir, "trees", `${commit.slice(0, 12)}-${randomBytes(4).toString("hex")}`)
    yield* git(["worktree", "add", "--quiet", "--detach", "--", tree, commit], { ...call, gitDir: repoDir(dir) })
    return tree
  })
}

/** Removes worktrees other than `keep`, then lets git forget them. */
export function pruneTrees(dir: string, keep: ReadonlyArray<string>, call: GitCall): Effect.Effect<void> {
  return Effect.gen(function* () {
    const trees = join(dir, "trees")
    const names = existsSync(trees) ? readdirSync(trees) : []
    for (const n of names) if (!keep.includes(join(trees, n))) rmSync(join(trees, n), { recursive: true, force: true })
    yield* git(["worktree", "prune"], { ...call, gitDir: repoDir(dir) }).pipe(Effect.ignore)
  })
}

/** Removes one worktree; when none is left, the whole directory. */
export function releaseTree(dir: string, tree: string | undefined, call: GitCall): Effect.Effect<void> {
  return Effect.gen(function* () {
    if (tree !== undefined) rmSync(tree, { recursive: true, force: true })
    const trees = join(dir, "trees")
    const left = existsSync(trees) ? readdirSync(trees) : []
    if (tree === undefined || left.length === 0) rmSync(dir, { recursive: true, force: true })
    else yield* git(["worktree", "prune"], { ...call, gitDir: repoDir(dir) }).pipe(Effect.ignore)
  })
}

export function readPin(dir: string): Pin | null {
  try {
    const pin = JSON.parse(readFileSync(join(dir, "pin.json"), "utf8")) as Pin
    return typeof pin.commit === "string" && typeof pin.tree === "string" && typeof pin.resolved === "string" ? pin : null
  } catch {
    return null
  }
}

/** Written to a temporary file and renamed, so a crash leaves the old pin or the new one. */
export function writePin(dir: string, pin: Pin): void {
  const tmp = join(dir, `pin.json.${process.pid}.tmp`)
  writeFileSync(tmp, JSON.stringify(pin), { mode: 0o600 })
  renameSync(tmp, join(dir, "pin.json"))
}
