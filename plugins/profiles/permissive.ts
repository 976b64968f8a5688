/**
 * @module
 * The `permissive` profile: a list of registries is honoured when set,
 * signature failures are warnings, and the policy's `overrides` decide
 * network and environment.
 */
import type { ProfilePlugin } from "../../core/mod.ts"
import { registryListed } from "./_registry.ts"

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
  admitRegistry: (registry, policy) =>
    policy.allowed_registries === undefined || registryListed(registry, policy.allowed_registries)
      ? { decision: "allow", subject: registry, code: "image.registry.allowed", reason: "admitted by the permissive profile", profile: "permissive" }
      : {
        decision: "deny",
        subject: registry,
        code: "image.registry.not.allowed",
        reason: `registry ${registry} is not in allowed_registries`,
        profile: "permissive"
      },
  signatureMode: (policy) => policy.verify_signatures ?? "permissive"
}
