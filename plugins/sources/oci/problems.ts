/**
 * @module
 * The problem codes the OCI source plugin fails with, contributed to the
 * engine's problem table (`problems` of the plugin definition).
 */
import type { ProblemInfo } from "../../../core/mod.ts"

/**
 * @since 0.2.0
 * @category errors
 */
export const ociProblems = {
  "E_OCI": {
    status: 502,
    title: "OCI registry or image failure",
    // Only a refused login has one fix; other registry failures (missing tag, network) name their own cause.
    fix: "Log in to the registry as the user the engine runs as: docker login writes ~/.docker/config.json (DOCKER_CONFIG names another directory), podman login an auth.json that REGISTRY_AUTH_FILE names; or use a public image",
    fixWhen: /\bHTTP 40[13]\b|\b(?:unauthorized|denied)\)/
  },
  "E_ADDON_MANIFEST": {
    status: 422,
    title: "Invalid add-on manifest",
    fix: "Fix /flwd-addon/manifest.yaml in the image (the fields listed under errors), then push it again and refresh the source"
  },
  "image.registry.not.allowed": {
    status: 403,
    title: "Registry not allowed",
    fix: "List the registry in allowed_registries of the policy file in force (--policy, FLWD_POLICY_FILE or flwd.yaml's policy; without a policy file no registry is listed), or use an image from a listed registry"
  },
  "image.signature.required": {
    status: 422,
    title: "Image signature required",
    fix: "Sign the image with flwd :addon sign and add its public key to the policy's trust.keys, or set verify_signatures to permissive in the policy"
  },
  "addon.interpreter.missing": {
    status: 422,
    title: "Job interpreter missing from the image",
    fix: "Give the image the program: pack with --base IMAGE (an image that has it) or a rootfs/ directory (flwd :addon init --busybox writes one), or change the job's interpreter, command or #! line"
  },
} as const satisfies Readonly<Record<string, ProblemInfo>>
