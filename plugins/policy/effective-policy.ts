/**
 * @module
 * The effective policy, as `flwd :policy show` prints it: the default
 * profile and what each loaded profile makes of the policy (signature
 * mode, sandbox network, environment), the registry lists, the trust
 * material by name and fingerprint — never a key's PEM text — the
 * ceilings in force (the executor's defaults under the policy's own) with
 * how this host enforces them, and the overrides.
 */
import { createHash, createPublicKey } from "node:crypto"
import { readFileSync } from "node:fs"
import { isAbsolute, resolve } from "node:path"
import type { Policy, ProfilePlugin } from "../../core/mod.ts"
import { ceilingsOf } from "../executors/sandbox/mod.ts"
import { signatureModeOf } from "../profiles/mod.ts"
import { ociPolicyOf, type SignatureMode } from "../sources/oci/mod.ts"

/** @since 0.1.0 @category models */
export interface EffectivePolicyInput {
  readonly policy: Policy
  /** The policy file read; null for none. */
  readonly file: string | null
  /** Where relative trust paths resolve. */
  readonly policyDir: string
  /** The default profile in force (after `--profile`, `FLWD_PROFILE`, the config and the policy). */
  readonly profile: string
  /** Every loaded profile, built-in and plugin. */
  readonly profiles: ReadonlyArray<ProfilePlugin>
  /** Ceilings that apply when the policy is silent (the sandbox's). Default: none. */
  readonly ceilingDefaults?: Readonly<Record<string, string | number>>
  /** How this host enforces the ceilings (`cgroup v2`, `cgroup v1`, `rlimit (per process)`). Default: unknown. */
  readonly enforcement?: string
}

/** What one profile makes of the policy. @since 0.1.0 @category models */
export interface ProfileView {
  readonly name: string
  readonly strictness: number
  readonly default: boolean
  readonly summary: string | null
  readonly verify_signatures: SignatureMode
  readonly network: boolean
  readonly inherit_env: boolean
  readonly rootfs_writable: boolean
}

/** A trusted key, without its PEM text. @since 0.1.0 @category models */
export interface TrustKeyView {
  readonly name: string
  /** The key file (resolved), or null for an inline key. */
  readonly path: string | null
  /** `sha256:<hex>` of the public key's DER (SubjectPublicKeyInfo); null when it cannot be read. */
  readonly fingerprint: string | null
}

/** @since 0.1.0 @category models */
export interface EffectivePolicy {
  readonly file: string | null
  readonly profile: string
  /** The signature mode under the default profile. */
  readonly verify_signatures: SignatureMode
  readonly profiles: ReadonlyArray<ProfileView>
  /** Null when the policy sets no list (secure then admits none; permissive any). */
  readonly allowed_registries: ReadonlyArray<string> | null
  readonly insecure_registries: ReadonlyArray<string>
  /** Hosts blob downloads may be redirected to besides admitted registries. */
  readonly blob_hosts: ReadonlyArray<string>
  /** The deadline of one add-on pull, as written (default `120s`). */
  readonly pull_timeout: string
  readonly trust: {
    readonly keys: ReadonlyArray<TrustKeyView>
    readonly keyless: ReadonlyArray<{ readonly issuer: string; readonly subject?: string; readonly subject_regexp?: string }>
    /** The configured root (resolved path), or `public-good` (TUF). */
    readonly trusted_root: string
  }
  /** The ceilings in force: the defaults, overridden by the policy's. */
  readonly ceilings: Readonly<Record<string, string | number>>
  /** How this host enforces them; null when unknown. */
  readonly ceilings_enforcement: string | null
  readonly overrides: Readonly<Record<string, unknown>>
}

function keyView(entry: { readonly name: string; readonly path?: string; readonly pem?: string }, dir: string): TrustKeyView {
  const path = entry.path === undefined ? null : isAbsolute(entry.path) ? entry.path : resolve(dir, entry.path)
  let fingerprint: string | null = null
  try {
    const pem = path !== null ? readFileSync(path, "utf8") : entry.pem ?? ""
    const der = createPublicKey({ key: pem, format: "pem" }).export({ type: "spki", format: "der" })
    fingerprint = `sha256:${createHash("sha256").update(der).digest("hex")}`
  } catch {
    // An unreadable key is reported by the policy check; here it shows as null.
  }
  return { name: entry.name, path, fingerprint }
}

/**
 * Builds the effective policy.
 *
 * @since 0.1.0
 * @category constructors
 */
export function effectivePolicy(input: EffectivePolicyInput): EffectivePolicy {
  const { policyDir } = input
  // The view shows the built-in plugins' sections (registries and trust: OCI's; ceilings: the sandbox's), each decoded by its owner's Schema.
  const policy = ociPolicyOf(input.policy)
  const profiles = [...input.profiles].sort((a, b) => b.strictness - a.strictness).map((p): ProfileView => {
    const runtime = p.runtime(policy)
    return {
      name: p.name,
      strictness: p.strictness,
      default: p.name === input.profile,
      summary: p.summary ?? null,
      verify_signatures: signatureModeOf(p, policy),
      network: runtime.network,
      inherit_env: runtime.inheritEnv,
      rootfs_writable: runtime.rootfsWritable
    }
  })
  const root = policy.trust?.trusted_root
  return {
    file: input.file,
    profile: input.profile,
    verify_signatures: profiles.find((p) => p.default)?.verify_signatures ?? policy.verify_signatures ?? "required",
    profiles,
    allowed_registries: policy.allowed_registries ?? null,
    insecure_registries: policy.insecure_registries ?? [],
    blob_hosts: policy.blob_hosts ?? [],
    // 120s: the add-on source's default (plugins/sources/oci/pull-deadline.ts).
    pull_timeout: policy.pull_timeout === undefined ? "120s" : typeof policy.pull_timeout === "number" ? `${policy.pull_timeout}s` : policy.pull_timeout,
    trust: {
      keys: (policy.trust?.keys ?? []).map((k) => keyView(k, policyDir)),
      keyless: (policy.trust?.keyless ?? []).map((k) => ({ ...k })),
      trusted_root: root === undefined ? "public-good" : isAbsolute(root) ? root : resolve(policyDir, root)
    },
    ceilings: { ...input.ceilingDefaults, ...ceilingsOf(policy) },
    ceilings_enforcement: input.enforcement ?? null,
    overrides: { ...policy.overrides }
  }
}
