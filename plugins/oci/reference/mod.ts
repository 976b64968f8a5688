/**
 * @module
 * The image reference parser alone: the light entry of the OCI library for
 * code that only parses references — a source plugin's definition, which
 * every engine loads at start — and must not load the registry client,
 * the unpacker or the signature libraries behind `plugins/oci/mod.ts`.
 *
 * @example
 * ```ts
 * import { parseImageReference } from "./plugins/oci/reference/mod.ts"
 *
 * parseImageReference("127.0.0.1:5000/tools/hello:1.0").repository // "tools/hello"
 * ```
 */
export { formatReference, type ImageReference, imageReference, parseImageReference, parseImageReferenceEither } from "../reference.ts"
