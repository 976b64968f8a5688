/**
 * @module
 * The `permissive` profile: a list of registries is honoured when set,
 * signature failures are warnings, and the policy's `overrides` decide
 * network and environment.
 */
import type { ProfilePlugin } from "../../core/mod.ts"
import { admitWith, listed } from "./_answers.ts"

/**
 * @since 0.1.0
 * @category plugins
 */
export const permissiveProfile: ProfilePlugin = {
  name: "permissive",
  strictness: 20,
  summary: "Registry list when set, signature failures are warnings, network and env per policy overrides",
  runtime: (policy) => ({
    network: (policy.overrides?.network ?? []).includes("host"),
    inheritEnv: policy.overrides?.env_inheritance ?? false,
    rootfsWritable: policy.overrides?.rootfs_writable ?? false
  }),
  admit: admitWith({
    name: "permissive",
    registry: (registry, allowed) =>
      allowed === undefined || listed(registry, allowed)
        ? { allowed: true, reason: "admitted by the permissive profile" }
        : { allowed: false, reason: `registry ${registry} is not in allowed_registries` },
    signatures: "permissive"
  })
}
