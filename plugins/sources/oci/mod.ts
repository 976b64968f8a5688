/**
 * @module
 * The `oci` source plugin: OCI add-ons (DESIGN §5) — images carrying a
 * job tree under `/flwd-addon/jobs/` and a manifest at
 * `/flwd-addon/manifest.yaml` — admitted by policy, pulled into the
 * content-addressed cache, unpacked, and exposed as `<source>/<job>` jobs
 * that run in the sandbox executor. Also the add-on manifest Schema, the
 * validator the authoring tools use, and garbage collection. The plugin's
 * definition alone, without the heavy modules, is `./plugin.ts`.
 *
 * @example
 * ```ts
 * import { ociSource } from "./plugins/sources/oci/plugin.ts"
 *
 * const engine = await createEngine({ plugins: { sources: [ociSource] } })
 * await engine.run(Effect.flatMap(Engine, (e) => e.addSource({
 *   type: "oci", name: "addon", ref: "127.0.0.1:5000/example/addon:1.0.0", trusted: true
 * })))
 * ```
 */
export { makeOciSource, ociSource } from "./plugin.ts"
export type { OciSourceOptions } from "./oci-source.ts"
export { type OciRef, OciSourceSpec, PullPolicy, pullPolicyOf, Reference } from "./spec.ts"
export { OciPin } from "./source-pin.ts"
export { type OciPolicy, ociPolicyFields, ociPolicyOf, OciPolicySection } from "./policy-section.ts"
export { SignatureMode } from "./signature-mode-type.ts"
export { ociProblem, type OciProblemCode, ociProblems } from "../../oci/problems/mod.ts"
export type { OciAdmissionRequests } from "./admission-requests.ts"
export { AddonManifest, AddonPermission, MAX_MANIFEST_BYTES, parseAddonManifest } from "./addon-manifest.ts"
export { type AddonTree, readAddon, type ReadAddonOptions, validateAddonTree } from "./read-addon.ts"
export { admit, type ImageTrust, registryDecision, signatureModeFor } from "./admission.ts"
export { checkImage, type CheckImageOptions, type ImageCheck } from "./check-image.ts"
export { makeSourceVerifier, type SourceVerifier, trustDecision, type TrustOptions, trustWarning } from "./verify.ts"
export { highestMatchingTag, selectTag } from "./select-tag.ts"
export { collectReferences, gcAddons, type GcResult } from "./gc.ts"
export { listPins, type Pin, pinsDir, readPin } from "./pins.ts"
