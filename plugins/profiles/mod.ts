/**
 * @module
 * The built-in security profiles (DESIGN §6) — `secure` (the default),
 * `permissive` and `disabled` — and the registry matching they share. A
 * custom profile is a `ProfilePlugin` loaded like any plugin; it is
 * compared with these by `strictness`.
 *
 * @example
 * ```ts
 * import { registryListed, secureProfile } from "./plugins/profiles/mod.ts"
 *
 * secureProfile.admit?.({ kind: "oci.registry", registry: "REGISTRY.example.com", allowed: ["registry.example.com"] }, {})?.decision // "allow"
 * registryListed("registry.example.com.evil.example", ["registry.example.com"]) // false
 * ```
 */
import type { ProfilePlugin } from "../../core/mod.ts"
import { disabledProfile } from "./disabled.ts"
import { permissiveProfile } from "./permissive.ts"
import { secureProfile } from "./secure.ts"

export { disabledProfile, permissiveProfile, secureProfile }
export { normaliseRegistry, registryEntryProblem, registryListed } from "./_registry.ts"
export { signatureModeOf } from "./signature-mode.ts"

/**
 * The built-in profiles, strictest first.
 *
 * @since 0.1.0
 * @category plugins
 */
export const builtinProfiles: ReadonlyArray<ProfilePlugin> = [secureProfile, permissiveProfile, disabledProfile]
