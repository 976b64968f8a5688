/**
 * @module
 * The policy's `verify_signatures` values, a part of the OCI plugin's policy section.
 */
import { Schema } from "../../../core/mod.ts"

/** @since 0.1.0 @category models */
export const SignatureMode = Schema.Literal("required", "permissive", "disabled")
/** @since 0.1.0 @category models */
export type SignatureMode = typeof SignatureMode.Type
