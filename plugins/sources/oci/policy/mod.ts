/**
 * @module
 * The OCI source's policy vocabulary alone — its policy section's Schema
 * and types, and the signature modes — for the libraries that read that
 * section (the trust library) without depending on the plugin itself,
 * which depends on them.
 */
export { type OciPolicy, ociPolicyFields, ociPolicyOf, OciPolicySection } from "../policy-section.ts"
export { SignatureMode } from "../signature-mode-type.ts"
