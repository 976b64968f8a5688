/**
 * @module
 * The problem codes of OCI add-ons (registry, image, manifest, signature,
 * interpreter), with their entries. The OCI source plugin contributes them
 * to the engine's table (`problems` of its definition); the libraries that
 * fail with them (registry, trust, add-on authoring) build their errors
 * with `ociProblem`, so status and title are right wherever the error
 * travels: a plan, `flwd :addon validate`, a log line.
 */
import { type FieldError, type ProblemInfo, SourceError } from "../../../core/mod.ts"

/**
 * @since 0.2.0
 * @category errors
 */
export const ociProblems = {
  "E_OCI": {
    status: 502,
    title: "OCI registry or image failure",
    // Only a refused login has one fix; other registry failures (missing tag, network) name their own cause.
    fix:
      "Log in to the registry as the user the engine runs as: docker login writes ~/.docker/config.json (DOCKER_CONFIG names another directory), podman login an auth.json that REGISTRY_AUTH_FILE names; or use a public image",
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
    fix:
      "List the registry in allowed_registries of the policy file in force (--policy, FLWD_POLICY_FILE or flwd.yaml's policy; without a policy file no registry is listed), or use an image from a listed registry"
  },
  "image.signature.required": {
    status: 422,
    title: "Image signature required",
    fix: "Sign the image with flwd :addon sign and add its public key to the policy's trust.keys, or set verify_signatures to permissive in the policy"
  },
  "addon.interpreter.missing": {
    status: 422,
    title: "Job interpreter missing from the image",
    fix:
      "Give the image the program: pack with --base IMAGE (an image that has it) or a rootfs/ directory (flwd :addon init --busybox writes one), or change the job's interpreter, command or #! line"
  }
} as const satisfies Readonly<Record<string, ProblemInfo>>

/**
 * A code of the table above.
 *
 * @since 0.2.0
 * @category errors
 */
export type OciProblemCode = keyof typeof ociProblems

/**
 * Whether `e` is the problem of `code`: the code is checked against the
 * table when this compiles, so a misspelt code cannot silently never match.
 *
 * @since 0.2.0
 * @category guards
 */
export function isOciProblem(e: { readonly code: string }, code: OciProblemCode): boolean {
  return e.code === code
}

/**
 * Whether `code` is one of the table's (own keys only: `constructor` is none).
 *
 * @since 0.2.0
 * @category guards
 */
export function isOciProblemCode(code: string): code is OciProblemCode {
  return Object.hasOwn(ociProblems, code)
}

/**
 * The error of an OCI problem code, carrying its entry.
 *
 * @since 0.2.0
 * @category constructors
 */
export function ociProblem(
  code: OciProblemCode,
  detail: string,
  options: { readonly errors?: ReadonlyArray<FieldError> | undefined; readonly cause?: unknown } = {}
): SourceError {
  return new SourceError({
    code,
    detail,
    problem: ociProblems[code],
    ...(options.errors !== undefined ? { errors: options.errors } : {}),
    ...(options.cause !== undefined ? { cause: options.cause } : {})
  })
}
