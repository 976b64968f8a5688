/**
 * @module
 * Signature verification of an add-on (DESIGN §5 step 5, §6) on the digest
 * its reference resolved to — an index's digest for a multi-platform image
 * — before any blob is fetched. The mode in force decides the outcome:
 * `required` fails with `image.signature.required` and the specific reason,
 * `permissive` admits with a warning, `disabled` checks nothing. Each
 * outcome is a journaled `policy.decision`.
 *
 * Outcomes are also recorded on disk per digest and trust material
 * (`addons/trust/`), so a restart serving a pinned image verified under the
 * same keys and identities needs no network; a changed policy, a refresh
 * or a moved tag always verifies afresh.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { mkdir, readFile, rename, writeFile } from "node:fs/promises"
import { isAbsolute, join, resolve } from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { type Decision, type Policy, problemCodes, problemInfo, type SourceContext, SourceError } from "../../../core/mod.ts"
import { type Digest, type ImageReference, type RegistryClient, type RegistryOptions, withDigest } from "../../oci/mod.ts"
import { type ImageVerifier, makeVerifier, toProblem, type VerifierOptions, type VerifyError } from "../../trust/mod.ts"
import type { ImageTrust } from "./admission.ts"
import { ociPolicyOf } from "./policy-section.ts"
import type { SignatureMode } from "./signature-mode-type.ts"

/**
 * Options of the verifier behind an add-on source (see `OciSourceOptions.trust`).
 *
 * @since 0.1.0
 * @category models
 */
export type TrustOptions = Pick<VerifierOptions, "rootLoader" | "referrers" | "maxCandidates">

/** @since 0.1.0 @category models */
export interface SourceVerifier {
  /**
   * Verifies `digest` of `ref` under `mode` and journals the decision.
   * With `reuse`, an outcome recorded for this digest under the same trust
   * material and mode stands in for a new verification. `client` (the
   * pull's scoped view: redirect rule, deadline) reads the signatures;
   * default the verifier's own.
   */
  readonly verify: (
    ctx: SourceContext,
    ref: ImageReference,
    digest: string,
    mode: SignatureMode,
    reuse: boolean,
    client?: RegistryClient
  ) => Effect.Effect<ImageTrust, SourceError>
  /** Closes the connections the verifiers opened (not the registry clients, which are the caller's). */
  readonly close: Effect.Effect<void>
}

/** A verifier and the fingerprint of the trust material it holds. */
interface Bound {
  readonly verifier: ImageVerifier
  readonly fingerprint: string
}

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex")

/** What the outcome depends on besides the digest: keys, identities and root, by content. */
function fingerprintOf(verifier: ImageVerifier, policy: Policy, policyDir: string): string {
  const trust = ociPolicyOf(policy).trust
  const root = trust?.trusted_root
  let rootHash = "public-good"
  if (root !== undefined) {
    try {
      rootHash = sha256(readFileSync(isAbsolute(root) ? root : resolve(policyDir, root)))
    } catch {
      rootHash = `unreadable:${root}`
    }
  }
  return sha256(JSON.stringify({
    keys: verifier.trust.keys.map((k) => [k.name, k.key.export({ type: "spki", format: "der" }).toString("base64")]),
    keyless: trust?.keyless ?? [],
    root: rootHash
  }))
}

const cacheFile = (dataDir: string, digest: string, key: string) => join(dataDir, "addons", "trust", `${digest.replace(":", "-")}.${key.slice(0, 32)}.json`)

function readRecorded(file: string): Effect.Effect<{ readonly trust: ImageTrust; readonly at: string } | null> {
  return Effect.promise(async () => {
    try {
      const doc = JSON.parse(await readFile(file, "utf8")) as { trust?: ImageTrust; at?: string }
      return doc.trust !== undefined && typeof doc.at === "string" ? { trust: doc.trust, at: doc.at } : null
    } catch {
      return null
    }
  })
}

// Temp file and rename: a crash leaves the old record or the new one. A failed write only costs a re-verification.
function record(file: string, trust: ImageTrust): Effect.Effect<void> {
  return Effect.promise(async () => {
    try {
      await mkdir(join(file, ".."), { recursive: true })
      const temp = `${file}.${process.pid}.tmp`
      await writeFile(temp, JSON.stringify({ trust, at: new Date().toISOString() }))
      await rename(temp, file)
    } catch {
      // Nothing to undo.
    }
  })
}

/**
 * The decision an outcome is journaled as.
 *
 * @since 0.1.0
 * @category utils
 */
export function trustDecision(trust: ImageTrust, subject: string, profile: string): Decision {
  if (trust.mode === "disabled") return { decision: "allow", subject, code: "image.signature.skipped", reason: trust.reason, profile }
  if (trust.verified) return { decision: "allow", subject, code: "image.signature.verified", reason: trust.reason, profile }
  return {
    decision: "warn",
    subject,
    code: "image.signature.unverified",
    reason: `${trust.reason}; admitted unverified under verify_signatures: permissive`,
    profile
  }
}

/**
 * The warning the plans of an unverified image's jobs carry; null when
 * there is nothing to warn about.
 *
 * @since 0.1.0
 * @category utils
 */
export function trustWarning(trust: ImageTrust, image: string): string | null {
  return trust.mode === "permissive" && !trust.verified
    ? `image ${image} is not verified (${trust.reason}); admitted under verify_signatures: permissive`
    : null
}

/** The outcome of a failed `required` verification, as the source's problem. */
function failure(ctx: SourceContext, e: VerifyError): SourceError {
  const problem = toProblem(e)
  // The code keeps its entry (the signature code is the plugin's), so status and title travel with it.
  const entry = problemInfo(problem) ?? problemCodes.internal
  return new SourceError({ code: problem.code, problem: entry, detail: `Source ${ctx.name}: ${problem.detail}`, errors: problem.errors, cause: e })
}

/**
 * Creates the verifier of a source plugin instance. Verifiers are made per
 * policy and reused; `client` reads the signatures with the source's own
 * registry client (credentials, insecure registries).
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeSourceVerifier(options: {
  readonly client: (ctx: SourceContext) => RegistryClient
  readonly registryOptions: (ctx: SourceContext) => RegistryOptions
  readonly trust?: TrustOptions
  /** Whether outcomes are recorded in the data directory for restarts. Default true. */
  readonly persist?: boolean
}): SourceVerifier {
  const bound = new Map<string, Bound>()

  const forContext = (ctx: SourceContext): Effect.Effect<Bound, SourceError> => {
    const policyDir = ctx.policyDir ?? process.cwd()
    const policy = ociPolicyOf(ctx.policy)
    const key = JSON.stringify([ctx.dataDir, policyDir, policy.trust ?? null, policy.insecure_registries ?? []])
    const known = bound.get(key)
    if (known !== undefined) return Effect.succeed(known)
    return makeVerifier({
      policy,
      policyDir,
      dataDir: ctx.dataDir,
      registry: options.client(ctx),
      registryOptions: options.registryOptions(ctx),
      ...options.trust
    }).pipe(
      Effect.map((verifier) => {
        const made = { verifier, fingerprint: fingerprintOf(verifier, ctx.policy, policyDir) }
        bound.set(key, made)
        return made
      }),
      Effect.mapError((e) => failure(ctx, e))
    )
  }

  const verify = (ctx: SourceContext, ref: ImageReference, digest: string, mode: SignatureMode, reuse: boolean, client?: RegistryClient) =>
    Effect.gen(function* () {
      const subject = withDigest(ref, digest as Digest).normalized
      const profile = ctx.profile.name
      if (mode === "disabled") {
        const trust: ImageTrust = { mode, verified: false, signer: null, reason: "verification disabled" }
        yield* ctx.decide(trustDecision(trust, subject, profile))
        return trust
      }
      const { verifier, fingerprint } = yield* forContext(ctx)
      const file = cacheFile(ctx.dataDir, digest, sha256(`${fingerprint}\u0000${mode}`))
      const recorded = reuse ? yield* readRecorded(file) : null
      if (recorded !== null) {
        const decision = trustDecision(recorded.trust, subject, profile)
        yield* ctx.decide({ ...decision, reason: `${decision.reason} (as verified at ${recorded.at})` })
        return recorded.trust
      }
      const outcome = yield* Effect.either(verifier.verifyImage({ ref: { registry: ref.registry, repository: ref.repository }, digest, mode, client }))
      if (Either.isLeft(outcome)) {
        const e = outcome.left
        yield* ctx.decide({ decision: "deny", subject, code: "image.signature.required", reason: e.summary, profile })
        return yield* failure(ctx, e)
      }
      const trust: ImageTrust = { ...outcome.right }
      yield* ctx.decide(trustDecision(trust, subject, profile))
      if (options.persist !== false) yield* record(file, trust)
      return trust
    }).pipe(Effect.withSpan("source.verify", { attributes: { "oci.digest": digest, "flwd.signature_mode": mode } }))

  const close = Effect.suspend(() => Effect.forEach([...bound.values()], (b) => b.verifier.close, { discard: true }))

  return { verify, close }
}
