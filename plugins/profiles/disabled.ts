/**
 * @module
 * The `disabled` profile: no checks. Choosing it is a weakening that needs
 * `policy:override` on a request and is journaled like every decision.
 */
import type { ProfilePlugin } from "../../core/mod.ts"
import { admitWith } from "./_answers.ts"

/**
 * @since 0.1.0
 * @category plugins
 */
export const disabledProfile: ProfilePlugin = {
  name: "disabled",
  strictness: 10,
  summary: "No registry or signature checks, network and host environment allowed",
  runtime: () => ({ network: true, inheritEnv: true, rootfsWritable: false }),
  admit: admitWith({
    name: "disabled",
    registry: () => ({ allowed: true, reason: "checks disabled by the profile" }),
    signatures: "disabled",
    signaturesFixed: true
  })
}
