/**
 * Shared setup of the trust tests: keys of each type, a pushed image, a
 * counting undici dispatcher that refuses anything but loopback, and
 * `verify()`, which builds a verifier, verifies once and closes it.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agent, type Dispatcher } from "undici"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { OciPolicy as Policy, SignatureMode } from "../../../plugins/sources/oci/mod.ts"
import { type ImageTrust, makeVerifier, type VerifierOptions, type VerifyError } from "../../../plugins/trust/mod.ts"
import type { Blob } from "../../helpers/oci-image.ts"
import { pushFiles } from "../../helpers/oci-image.ts"

export interface Teardown {
  teardown(fn: () => unknown): void
}

export type KeyKind = "P-256" | "P-384" | "Ed25519" | "RSA"

export interface TestKey {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly pem: string
}

export function makeKey(kind: KeyKind = "P-256"): TestKey {
  const pair = kind === "Ed25519"
    ? generateKeyPairSync("ed25519")
    : kind === "RSA"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : generateKeyPairSync("ec", { namedCurve: kind })
  return { ...pair, pem: pair.publicKey.export({ type: "spki", format: "pem" }).toString() }
}

export function tempDir(t: Teardown, prefix = "flwd-trust-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface PushedImage {
  readonly ref: { readonly registry: string; readonly repository: string }
  readonly repo: string
  readonly digest: string
  readonly manifest: Blob
}

/** A small image pushed as `<repo>:1.0.0`. */
export async function pushTestImage(registryUrl: string, host: string, repo: string): Promise<PushedImage> {
  const image = await pushFiles(registryUrl, repo, "1.0.0", [{ path: "flwd-addon/manifest.yaml", content: `id: ${repo}\n` }])
  return { ref: { registry: host, repository: repo }, repo, digest: image.manifest.digest, manifest: image.manifest }
}

/** An undici dispatcher that records each request's origin and refuses every host but loopback. */
export function loopbackOnly(t: Teardown): { readonly dispatcher: Dispatcher; readonly origins: Array<string> } {
  const origins: Array<string> = []
  const agent = new Agent()
  t.teardown(() => agent.destroy())
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    const origin = String(opts.origin)
    origins.push(origin)
    if (new URL(origin).hostname !== "127.0.0.1") throw new Error(`test refuses a request to ${origin}`)
    return dispatch(opts, handler)
  })
  return { dispatcher, origins }
}

/** A root loader that fails the verification if it is ever called. */
export function forbiddenRootLoader(calls: Array<string>) {
  return async ({ cachePath }: { readonly cachePath: string }) => {
    calls.push(cachePath)
    throw new Error("the public-good root must not be fetched here")
  }
}

export interface VerifyOptions extends Partial<Omit<VerifierOptions, "policy">> {
  readonly policy: Policy
}

/** Builds a verifier, verifies `image` once in `mode`, closes the verifier. */
export function verify(options: VerifyOptions, image: PushedImage, mode: SignatureMode = "required"): Promise<Either.Either<ImageTrust, VerifyError>> {
  return Effect.runPromise(Effect.either(Effect.scoped(Effect.gen(function* () {
    const verifier = yield* Effect.acquireRelease(
      makeVerifier({ policyDir: "/", dataDir: "/nonexistent", registryOptions: { dockerConfig: false }, ...options }),
      (v) => v.close
    )
    return yield* verifier.verifyImage({ ref: image.ref, digest: image.digest, mode })
  }))))
}
