/**
 * @module
 * Reading an add-on out of an unpacked image: the manifest at
 * `/flwd-addon/manifest.yaml` and the job tree under `/flwd-addon/jobs/`.
 * Paths are resolved with `resolveInRoot`, which treats the rootfs as `/`,
 * so a link planted in the image can never lead the engine out of it; the
 * manifest must be a regular file no larger than `MAX_MANIFEST_BYTES`.
 */
import { constants } from "node:fs"
import { open } from "node:fs/promises"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { codeOf, type Diagnostic, type FieldError, type JobDefinition, messageOf, SourceError } from "../../../core/mod.ts"
import { ociProblems } from "../../oci/problems/mod.ts"
import { resolveInRoot } from "../../oci/mod.ts"
import { discoverJobTreeEffect } from "../../tree/mod.ts"
import { type AddonManifest, MAX_MANIFEST_BYTES, parseAddonManifest } from "./addon-manifest.ts"

/**
 * An add-on as read from a directory: its manifest, the jobs it exposes and
 * the problems found in its tree.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddonTree {
  readonly manifest: AddonManifest
  /** Absolute directory of the job tree. */
  readonly jobsRoot: string
  readonly jobs: ReadonlyArray<JobDefinition>
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

/**
 * Options of `readAddon` and `validateAddonTree`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadAddonOptions {
  /** Checked against `requires.flwd`; omitted, the range is not checked. */
  readonly flwdVersion?: string
  /** Names the add-on in error details (an image reference). Default: the directory. */
  readonly subject?: string
}

const invalid = (subject: string, detail: string, errors: ReadonlyArray<FieldError>) =>
  new SourceError({ code: "E_ADDON_MANIFEST", problem: ociProblems.E_ADDON_MANIFEST, detail: `${subject}: ${detail}`, errors })

async function readBounded(path: string): Promise<string | "missing" | "not-a-file" | "too-large"> {
  let handle
  try {
    // O_NOFOLLOW: resolveInRoot resolved every link, so one here was swapped in since.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (e) {
    const code = codeOf(e)
    return code === "ENOENT" || code === "ENOTDIR" ? "missing" : "not-a-file"
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) return "not-a-file"
    if (st.size > MAX_MANIFEST_BYTES) return "too-large"
    const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + 1)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    if (bytesRead > MAX_MANIFEST_BYTES) return "too-large"
    return buffer.subarray(0, bytesRead).toString("utf8")
  } finally {
    await handle.close()
  }
}

/**
 * Reads an add-on whose files sit under `prefix` of `root` (`/flwd-addon`
 * in an image rootfs, `/` in an authoring directory).
 *
 * @since 0.1.0
 * @category constructors
 */
export function readAddon(root: string, prefix: string, options: ReadAddonOptions = {}): Effect.Effect<AddonTree, SourceError> {
  const subject = options.subject ?? root
  const base = prefix.replace(/\/+$/, "")
  const manifestPath = `${base}/manifest.yaml`
  const shown = manifestPath.replace(/^\//, "")
  return Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: async () => readBounded(await resolveInRoot(root, manifestPath)),
      catch: (e) => invalid(subject, `cannot read ${shown}: ${messageOf(e)}`, [{ path: shown, message: "cannot be read" }])
    })
    if (text === "missing") {
      return yield* invalid(subject, `no add-on manifest: ${shown} is missing`, [{ path: shown, message: "is missing" }])
    }
    if (text === "not-a-file") return yield* invalid(subject, `${shown} is not a regular file`, [{ path: shown, message: "is not a regular file" }])
    if (text === "too-large") {
      return yield* invalid(subject, `${shown} is larger than ${MAX_MANIFEST_BYTES} bytes`, [{
        path: shown,
        message: `is larger than ${MAX_MANIFEST_BYTES} bytes`
      }])
    }
    const parsed = parseAddonManifest(text, options)
    if (Either.isLeft(parsed)) {
      const errors = parsed.left
      const first = errors[0]
      const summary = first !== undefined ? `; ${first.path === "" ? "" : `${first.path}: `}${first.message}` : ""
      return yield* invalid(subject, `invalid add-on manifest ${shown}${summary}`, errors)
    }
    const manifest = parsed.right
    const jobsPrefix = `${base}/jobs`
    const jobsRoot = yield* Effect.promise(() => resolveInRoot(root, jobsPrefix))
    const tree = yield* discoverJobTreeEffect(jobsRoot)
    const shownJobs = jobsPrefix.replace(/^\//, "")
    const present = (id: string) => tree.jobs.some((j) => j.id === id) || tree.diagnostics.some((d) => d.path === id || d.path.startsWith(`${id}/`))
    const missing: Array<FieldError> = []
    for (const [i, job] of (manifest.jobs ?? []).entries()) {
      if (!present(job.id)) missing.push({ path: `jobs.${i}.id`, message: `no job ${job.id} under ${shownJobs}/` })
    }
    if (missing.length > 0) {
      return yield* invalid(subject, `the manifest lists ${missing.length === 1 ? "a job" : "jobs"} missing from ${shownJobs}/`, missing)
    }
    const listed = manifest.jobs === undefined ? null : new Map(manifest.jobs.map((j) => [j.id, j]))
    const jobs = tree.jobs.flatMap((job): Array<JobDefinition> => {
      if (listed === null) return [job]
      const entry = listed.get(job.id)
      if (entry === undefined) return []
      return [entry.summary !== undefined ? { ...job, summary: entry.summary } : job]
    })
    // Problems of unlisted jobs are not the user's concern: those jobs are not exposed.
    const diagnostics = tree.diagnostics
      .filter((d) => listed === null || d.path === "." || [...listed.keys()].some((id) => d.path === id || d.path.startsWith(`${id}/`)))
      .map((d) => ({ ...d, path: d.path === "." ? shownJobs : `${shownJobs}/${d.path}` }))
    return { manifest, jobsRoot, jobs, diagnostics }
  })
}

/**
 * Validates an add-on directory before it is packed: `manifest.yaml` and
 * `jobs/` directly inside `dir` (what becomes `/flwd-addon/` in the image).
 * Fails with `E_ADDON_MANIFEST` naming each failing field.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * const tree = await Effect.runPromise(validateAddonTree("my-addon", { flwdVersion: "0.1.0" }))
 * console.log(tree.manifest.metadata.version, tree.jobs.map((j) => j.id))
 * ```
 */
export function validateAddonTree(dir: string, options: ReadAddonOptions = {}): Effect.Effect<AddonTree, SourceError> {
  return readAddon(dir, "/", options)
}
