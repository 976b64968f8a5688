/**
 * @module
 * Trust material from the policy's `trust` section, loaded once and checked
 * up front so a bad policy stops the engine instead of failing later:
 * cosign public keys (`trust.keys`, PEM inline or a path relative to the
 * policy file), keyless identities (`trust.keyless`) and an optional
 * Sigstore `trusted_root.json` (`trust.trusted_root`) for private or
 * air-gapped deployments. Reading it is the only I/O; verification does none.
 */
import { createPublicKey, type KeyObject } from "node:crypto"
import { readFile } from "node:fs/promises"
import { isAbsolute, resolve } from "node:path"
import * as Effect from "effect/Effect"
import type { FieldError } from "../../core/mod.ts"
import type { OciPolicy as Policy } from "../sources/oci/policy/mod.ts"
import { rootFromJson, type SigstoreRoot } from "./_sigstore.ts"
import { VerifyError } from "./errors.ts"
import { compileIdentity, type KeylessIdentity } from "./identity.ts"
import { messageOf } from "../oci/mod.ts"

/** @since 0.1.0 @category models */
export interface TrustedKey {
  readonly name: string
  readonly key: KeyObject
}

/**
 * The policy's trust section, ready to verify with.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrustPolicy {
  readonly keys: ReadonlyArray<TrustedKey>
  readonly identities: ReadonlyArray<KeylessIdentity>
  /** The configured root; null means the public-good root, fetched lazily with TUF. */
  readonly trustedRoot: SigstoreRoot | null
}

/** Key files and trusted roots are small; bigger files are refused unread. */
const MAX_FILE_BYTES = 4 * 1024 * 1024

async function readSmall(path: string): Promise<string> {
  const bytes = await readFile(path)
  if (bytes.length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`)
  return bytes.toString("utf8")
}

/** Key types cosign signs with (sigstore/sigstore `signature` package). */
function checkKey(key: KeyObject): string | null {
  const type = key.asymmetricKeyType
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve
    return curve === "prime256v1" || curve === "secp384r1" || curve === "secp521r1" ? null : `unsupported ECDSA curve ${curve}`
  }
  if (type === "ed25519") return null
  if (type === "rsa") return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 ? null : "RSA keys must have at least 2048 bits"
  return `unsupported key type ${type}; use ECDSA P-256/P-384, Ed25519 or RSA`
}

async function loadKey(
  entry: { readonly name: string; readonly path?: string; readonly pem?: string },
  i: number,
  dir: string
): Promise<TrustedKey | FieldError> {
  const path = `trust.keys[${i}]`
  if ((entry.path === undefined) === (entry.pem === undefined)) return { path, message: `key ${entry.name} needs exactly one of path or pem` }
  let pem: string
  if (entry.path !== undefined) {
    const file = isAbsolute(entry.path) ? entry.path : resolve(dir, entry.path)
    try {
      pem = await readSmall(file)
    } catch (e) {
      return { path: `${path}.path`, message: `cannot read key ${entry.name} from ${file}: ${messageOf(e)}` }
    }
  } else pem = entry.pem!
  const field = entry.path !== undefined ? `${path}.path` : `${path}.pem`
  if (/PRIVATE KEY/.test(pem)) return { path: field, message: `key ${entry.name} is a private key; give its public key (cosign public-key)` }
  let key: KeyObject
  try {
    key = createPublicKey({ key: pem, format: "pem" })
  } catch (e) {
    return { path: field, message: `key ${entry.name} is not a PEM public key: ${messageOf(e)}` }
  }
  const wrong = checkKey(key)
  return wrong === null ? { name: entry.name, key } : { path: field, message: `key ${entry.name}: ${wrong}` }
}

async function loadRoot(file: string, dir: string): Promise<SigstoreRoot | FieldError> {
  const path = isAbsolute(file) ? file : resolve(dir, file)
  try {
    return rootFromJson(JSON.parse(await readSmall(path)))
  } catch (e) {
    return { path: "trust.trusted_root", message: `${path} is not a usable Sigstore trusted root: ${messageOf(e)}` }
  }
}

const isFieldError = (u: unknown): u is FieldError => typeof u === "object" && u !== null && "path" in u && "message" in u

/**
 * Loads and checks the trust section; fails with reason `policy` naming
 * every bad field (`trust.keys[1].pem`, `trust.keyless[0].subject_regexp`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function loadTrustPolicy(policy: Policy, policyDir: string): Effect.Effect<TrustPolicy, VerifyError> {
  return Effect.gen(function* () {
    const trust = policy.trust ?? {}
    const loaded = yield* Effect.promise(() =>
      Promise.all([
        Promise.all((trust.keys ?? []).map((k, i) => loadKey(k, i, policyDir))),
        trust.trusted_root !== undefined ? loadRoot(trust.trusted_root, policyDir) : Promise.resolve(null)
      ])
    )
    const [keys, root] = loaded
    const identities = (trust.keyless ?? []).map(compileIdentity)
    const errors = [...keys, ...identities, root].filter(isFieldError)
    if (errors.length > 0) {
      return yield* new VerifyError({
        reason: "policy",
        detail: `${errors.map((e) => `${e.path} ${e.message}`).join("; ")}`,
        errors
      })
    }
    return {
      keys: keys as ReadonlyArray<TrustedKey>,
      identities: identities as ReadonlyArray<KeylessIdentity>,
      trustedRoot: root as SigstoreRoot | null
    }
  })
}
