/**
 * @module
 * Add-on authoring without Docker (DESIGN §5): scaffold an add-on
 * directory, validate it (or an image) with the checks of adding a source,
 * pack it into a reproducible OCI image on top of an optional base image,
 * write it as an OCI layout or push it, and sign it the way cosign does
 * with a key. Every entry point is a Promise-returning function taking one
 * options object; failures reject with flwd's problems (`E_ADDON_MANIFEST`,
 * `discovery.invalid`, `E_OCI`, `validation.failed`).
 *
 * @example
 * ```ts
 * import { generateKeyPair, initAddon, packAddon, signImage } from "./plugins/addon/mod.ts"
 *
 * await initAddon({ dir: "hello-tools" })
 * const packed = await packAddon({ dir: "hello-tools", tag: "127.0.0.1:5000/example/hello-tools:0.1.0", push: true })
 * await generateKeyPair({ out: "release" })
 * await signImage({ ref: `127.0.0.1:5000/example/hello-tools@${packed.digest}`, key: "release.pem" })
 * ```
 */
export { initAddon, type InitAddonOptions, type InitAddonResult } from "./init-addon.ts"
export { type AddonValidation, validateAddon, type ValidateAddonOptions } from "./validate-addon.ts"
export { packAddon, type PackAddonOptions, type PackResult } from "./pack-addon.ts"
export { pushImage, type PushImageOptions, type PushProgress, type PushResult, pushStaged } from "./push-image.ts"
export {
  SIGNATURE_ANNOTATION,
  signatureTag,
  signImage,
  type SignImageOptions,
  type SignResult,
  SIMPLE_SIGNING_MEDIA_TYPE,
  simpleSigningPayload
} from "./sign-image.ts"
export { generateKeyPair, type GenerateKeyPairOptions, type KeyPair, loadSigningKey } from "./keys.ts"
export { ADDON_PREFIX, collectAddonEntries, type LayerEntry } from "./collect-tree.ts"
export { buildLayer, type BuiltLayer } from "./build-layer.ts"
export { readOciLayout, REF_NAME, writeOciLayout } from "./oci-layout.ts"
export type { StagedBlob, StagedImage } from "./staged-image.ts"
export type { BlobOutcome, UploadOptions } from "./upload-blob.ts"
