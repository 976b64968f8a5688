/**
 * @module
 * `validateAddon`: the checks of adding an `oci` source — the add-on
 * manifest, tree-v1 discovery and argspecs — run on an authoring directory
 * or on an image in a registry, with the same problem codes
 * (`E_ADDON_MANIFEST`, `discovery.invalid`, …) and the same `errors[]`
 * paths as `POST /sources` reports. An image is pulled into a temporary
 * data directory through the OCI library and its `/flwd-addon` read back.
 */
import { mkdtemp, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { type Diagnostic, type JobDefinition, SourceError, ValidationError } from "../../core/mod.ts"
import {
  isOciProblem,
  makeBlobStore,
  makeRegistryClient,
  parseImageReferenceEither,
  parsePlatform,
  pullImage,
  type RegistryClient,
  type RegistryOptions
} from "../oci/mod.ts"
import { type AddonManifest, type AddonTree, readAddon, validateAddonTree } from "../sources/oci/mod.ts"
import { flwdVersion, runAddonEffect } from "./_run.ts"
import { DEFAULT_PATH, interpreterProblem, missingInterpreters } from "./check-interpreters.ts"
import { filesOfRootfs } from "./image-files.ts"
import { checkDirectoryImage } from "./image-check.ts"

/**
 * Options of `validateAddon`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ValidateAddonOptions {
  /** An authoring directory (`manifest.yaml`, `jobs/`), or an image reference. */
  readonly target: string
  /** Platform to pull for a reference (`linux/arm64`). Default: the host's. */
  readonly platform?: string
  /** Checked against `requires.flwd`. Default: this flwd's version. */
  readonly flwdVersion?: string
  /** Client for a reference. Default: a new one with `registry` options, closed afterwards. */
  readonly client?: RegistryClient
  readonly registry?: RegistryOptions
  /** For a directory: the base image it will be packed on, whose files count for the interpreter check. */
  readonly base?: string
  /** Check each job's interpreter against the image's files (a directory only). Default true; false for an image meant as data, or as a base for another. */
  readonly checkInterpreters?: boolean
}

/**
 * The outcome: valid, or the problem adding it as a source would report.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddonValidation {
  readonly valid: boolean
  /** What was validated: the directory, or the reference. */
  readonly subject: string
  readonly kind: "directory" | "image"
  /** The image manifest digest, for a reference. */
  readonly digest?: string
  /** Present once the manifest is valid. */
  readonly addon?: { readonly id: string; readonly name: string; readonly version: string }
  /** The decoded add-on manifest, once it is valid. */
  readonly manifest?: AddonManifest
  /** Ids of the jobs the add-on exposes. */
  readonly jobs: ReadonlyArray<string>
  /** Every diagnostic of the tree (errors and warnings), paths as `POST /sources` shows them. */
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** Why it is invalid: `E_ADDON_MANIFEST`, or `discovery.*` for broken jobs. */
  readonly problem?: SourceError
}

/**
 * Turns a read add-on into a validation: any error-level diagnostic makes
 * it invalid (a source would load, but those jobs would be missing).
 *
 * @since 0.1.0
 * @category constructors
 */
export function validationOf(tree: AddonTree, subject: string, kind: "directory" | "image", digest?: string): AddonValidation {
  const meta = tree.manifest.metadata
  const errors = tree.diagnostics.filter((d) => d.level === "error")
  const base = {
    subject,
    kind,
    ...(digest !== undefined ? { digest } : {}),
    addon: { id: meta.id, name: meta.name, version: meta.version },
    manifest: tree.manifest,
    jobs: tree.jobs.map((j) => j.id),
    diagnostics: tree.diagnostics
  }
  if (errors.length === 0) return { valid: true, ...base }
  const code = errors.some((d) => d.code === "discovery.collision") && errors.every((d) => d.code === "discovery.collision")
    ? "discovery.collision"
    : "discovery.invalid"
  const problem = new SourceError({
    code,
    detail: `${subject}: ${errors.length} job definition${errors.length === 1 ? " is" : "s are"} invalid; first: ${errors[0].path}: ${errors[0].message}`,
    errors: errors.map((d) => ({ path: d.path, message: d.message }))
  })
  return { valid: false, ...base, problem }
}

function invalidManifest(e: SourceError, subject: string, kind: "directory" | "image", digest?: string): AddonValidation {
  return { valid: false, subject, kind, ...(digest !== undefined ? { digest } : {}), jobs: [], diagnostics: [], problem: e }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false)
}

function validateImage(options: ValidateAddonOptions, version: string): Effect.Effect<AddonValidation, unknown> {
  const parsed = parseImageReferenceEither(options.target, "target")
  if (Either.isLeft(parsed)) {
    const reason = parsed.left.errors?.[0]?.message ?? "invalid reference"
    return Effect.fail(
      new ValidationError({
        code: "validation.failed",
        detail: `${JSON.stringify(options.target.slice(0, 300))} is neither a directory nor an image reference (${reason})`,
        errors: [{ path: "target", message: "is neither a directory nor an image reference" }]
      })
    )
  }
  const ref = parsed.right
  const client = options.client ?? makeRegistryClient(options.registry)
  const platform = options.platform !== undefined ? parsePlatform(options.platform) : undefined
  return Effect.acquireUseRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "flwd-addon-validate-"))),
    (dataDir) =>
      Effect.gen(function* () {
        const pulled = yield* pullImage(client, { ref, store: makeBlobStore(dataDir), platform })
        return yield* readAddon(pulled.rootfs, "/flwd-addon", { flwdVersion: version, subject: ref.normalized }).pipe(
          Effect.flatMap((tree) => {
            const result = validationOf(tree, ref.normalized, "image", pulled.digest)
            if (!result.valid || options.checkInterpreters === false) return Effect.succeed(result)
            // The image as it will run: its own files, its own PATH.
            const path = pulled.config.config?.Env?.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH
            return Effect.promise(async () => missingInterpreters(tree.jobs, await filesOfRootfs(pulled.rootfs), path)).pipe(
              Effect.map((missing) => missing.length === 0 ? result : { ...result, valid: false, problem: interpreterProblem(ref.normalized, missing) })
            )
          }),
          Effect.catchIf((e) => isOciProblem(e, "E_ADDON_MANIFEST"), (e) => Effect.succeed(invalidManifest(e, ref.normalized, "image", pulled.digest)))
        )
      }),
    (dataDir) =>
      Effect.promise(async () => {
        await rm(dataDir, { recursive: true, force: true })
        if (options.client === undefined) await Effect.runPromise(client.close)
      })
  )
}

/**
 * Validates an add-on directory or image. Resolves with the outcome;
 * rejects only when it cannot be checked at all (`E_OCI` for a registry or
 * pull failure, `validation.failed` for a malformed reference).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * const result = await validateAddon({ target: "hello-tools" })
 * if (!result.valid) console.error(result.problem?.errors)
 * ```
 */
export async function validateAddon(options: ValidateAddonOptions): Promise<AddonValidation> {
  const version = options.flwdVersion ?? flwdVersion()
  if (await isDirectory(options.target)) {
    const subject = options.target
    let jobs: ReadonlyArray<JobDefinition> = []
    const result = await runAddonEffect(
      validateAddonTree(options.target, { flwdVersion: version, subject }).pipe(
        Effect.tap((tree) => Effect.sync(() => jobs = tree.jobs)),
        Effect.map((tree) => validationOf(tree, subject, "directory")),
        Effect.catchIf((e) => isOciProblem(e, "E_ADDON_MANIFEST"), (e) => Effect.succeed(invalidManifest(e, subject, "directory")))
      )
    )
    if (!result.valid || options.checkInterpreters === false) return result
    // Valid as a source, but would it run? Each interpreter must be in the image it packs into.
    const missing = await checkDirectoryImage(options.target, jobs, options)
    return missing.length === 0 ? result : { ...result, valid: false, problem: interpreterProblem(subject, missing) }
  }
  return runAddonEffect(Effect.suspend(() => validateImage(options, version)), options.target)
}
