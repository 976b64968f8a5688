/**
 * @module
 * The `secure` profile, the default: nothing is admitted or inherited that
 * the policy does not name.
 */
import type { ProfilePlugin } from "../../core/mod.ts"
import { admitWith, listed } from "./_answers.ts"

/**
 * Registries must be listed (an empty list admits none), signatures are
 * required, sandboxes have no network and jobs get no host environment.
 *
 * @since 0.1.0
 * @category plugins
 */
export const secureProfile: ProfilePlugin = {
  name: "secure",
  strictness: 30,
  summary: "Listed registries only, signatures required, no network, no host environment",
  runtime: () => ({ network: false, inheritEnv: false, rootfsWritable: false }),
  admit: admitWith({
    name: "secure",
    registry: (registry, allowed) =>
      listed(registry, allowed ?? [])
        ? { allowed: true, reason: "listed in allowed_registries" }
        : { allowed: false, reason: `registry ${registry} is not in allowed_registries` },
    signatures: "required"
  })
}
