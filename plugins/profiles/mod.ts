/**
 * @module
 * The built-in security profiles (DESIGN §6).
 */
import type { ProfilePlugin } from "../../core/mod.ts"
import { disabledProfile } from "./disabled.ts"
import { permissiveProfile } from "./permissive.ts"
import { secureProfile } from "./secure.ts"

export { disabledProfile, permissiveProfile, secureProfile }
export { normaliseRegistry, registryListed } from "./_registry.ts"

/** The built-in profiles, strictest first. */
export const builtinProfiles: ReadonlyArray<ProfilePlugin> = [secureProfile, permissiveProfile, disabledProfile]
