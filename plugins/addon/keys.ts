/**
 * @module
 * Signing keys: ECDSA P-256 (the key type of cosign's key-based
 * signatures), the private key as unencrypted PKCS#8 PEM written with mode
 * 0600, the public key as SPKI PEM — the `-----BEGIN PUBLIC KEY-----` form
 * cosign and the policy's `trust.keys` take.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto"
import { chmod, open, rm } from "node:fs/promises"
import { ValidationError } from "../../core/mod.ts"
import { codeOf, messageOf } from "../oci/mod.ts"

/**
 * Options of `generateKeyPair`.
 *
 * @since 0.1.0
 * @category models
 */
export interface GenerateKeyPairOptions {
  /** Write `<out>.pem` (private) and `<out>.pub` (public). Default: write nothing, return the PEMs. */
  readonly out?: string
  /** Overwrite existing files. Default false. */
  readonly force?: boolean
}

/**
 * A generated key pair.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeyPair {
  readonly privateKeyPem: string
  readonly publicKeyPem: string
  readonly privateKeyPath?: string
  readonly publicKeyPath?: string
}

const usage = (path: string, message: string, detail: string) => new ValidationError({ code: "validation.failed", detail, errors: [{ path, message }] })

async function writeNew(path: string, text: string, mode: number, force: boolean): Promise<void> {
  // Removed first, not truncated: a new file gets `mode` whatever the old one had.
  if (force) await rm(path, { force: true })
  const fh = await open(path, "wx", mode).catch((e: unknown) => {
    if (codeOf(e) === "EEXIST") throw usage("out", "exists", `${path} exists; pass --force to overwrite it`)
    throw e
  })
  try {
    await fh.writeFile(text)
  } finally {
    await fh.close()
  }
  await chmod(path, mode)
}

/**
 * Generates an ECDSA P-256 key pair, optionally writing it to files.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * const { publicKeyPem } = await generateKeyPair({ out: "release" }) // release.pem, release.pub
 * ```
 */
export async function generateKeyPair(options: GenerateKeyPairOptions = {}): Promise<KeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" })
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString()
  if (options.out === undefined) return { privateKeyPem, publicKeyPem }
  const privateKeyPath = `${options.out}.pem`
  const publicKeyPath = `${options.out}.pub`
  const force = options.force === true
  if (!force) {
    // Check both before writing either, so a refusal leaves nothing half written.
    for (const path of [privateKeyPath, publicKeyPath]) {
      const exists = await open(path, "r").then(async (fh) => (await fh.close(), true), () => false)
      if (exists) throw usage("out", "exists", `${path} exists; pass --force to overwrite it`)
    }
  }
  await writeNew(privateKeyPath, privateKeyPem, 0o600, force)
  await writeNew(publicKeyPath, publicKeyPem, 0o644, force)
  return { privateKeyPem, publicKeyPem, privateKeyPath, publicKeyPath }
}

/**
 * Reads a PEM private key for signing; it must be an unencrypted ECDSA P-256 key.
 *
 * @since 0.1.0
 * @category constructors
 */
export function loadSigningKey(pem: string): KeyObject {
  if (pem.includes("ENCRYPTED")) {
    throw usage("key", "is encrypted", "The key is encrypted; flwd signs with an unencrypted PKCS#8 ECDSA P-256 key (flwd :addon keygen writes one)")
  }
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch (e) {
    throw usage("key", "is not a PEM private key", `The key is not a PEM private key: ${messageOf(e)}`)
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw usage(
      "key",
      "must be an ECDSA P-256 key",
      `The key is ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ""}; cosign-compatible signatures need ECDSA P-256`
    )
  }
  return key
}
