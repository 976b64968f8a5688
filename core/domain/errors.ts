/**
 * @module
 * Every failure flwd reports carries a stable `code` from one closed table and
 * the HTTP status that code maps to. The server turns these into RFC 9457
 * problem details; the CLI prints `code: detail` and exits non-zero.
 */
import { Data } from "effect"

/**
 * The closed table of problem codes, each with its HTTP status and title.
 *
 * @since 0.1.0
 * @category errors
 */
export const problemCodes = {
  "validation.failed": { status: 400, title: "Validation failed" },
  "args.invalid": { status: 422, title: "Invalid arguments" },
  "job.not.found": { status: 404, title: "Job not found" },
  "run.not.found": { status: 404, title: "Run not found" },
  "run.not.cancelable": { status: 409, title: "Run is already finished" },
  "run.exit.nonzero": { status: 500, title: "Run exited with a non-zero code" },
  "run.timeout": { status: 504, title: "Run timed out" },
  "source.not.found": { status: 404, title: "Source not found" },
  "source.not.allowed": {
    status: 403,
    title: "Source not allowed",
    fix: "Point the source at a directory inside an allowed local root (the policy's allowed_local_roots), or add that directory to the list"
  },
  "source.invalid": { status: 422, title: "Invalid source", fix: "Correct the fields listed under errors and add the source again" },
  "source.type.unknown": { status: 422, title: "Unknown source type", fix: "Use a registered source type (oci, git or local, or one a loaded plugin adds)" },
  "source.name.reserved": { status: 422, title: "Reserved source name", fix: "Choose another name: default names the root job tree" },
  "source.trust.required": {
    status: 422,
    title: "Source must be trusted explicitly",
    fix: "Tick “I trust this image” in the console, or add the source with \"trusted\": true (flwd :sources add --trusted), once you trust the code the image runs"
  },
  "source.plugin.failed": { status: 502, title: "Source plugin failed" },
  "source.failed": { status: 502, title: "Source failed" },
  "E_OCI": {
    status: 502,
    title: "OCI registry or image failure",
    // Only a refused login has one fix; other registry failures (missing tag, network) name their own cause.
    fix: "Log in to the registry as the user the server runs as (docker login writes ~/.docker/config.json; DOCKER_CONFIG names another directory), or use a public image",
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
  "discovery.collision": { status: 409, title: "Two jobs resolve to one id" },
  "discovery.invalid": { status: 422, title: "Invalid job definition" },
  "profile.unknown": { status: 422, title: "Unknown security profile" },
  "policy.override.denied": { status: 403, title: "Weaker profile needs policy:override" },
  "policy.invalid": { status: 422, title: "Invalid policy" },
  "config.invalid": { status: 422, title: "Invalid configuration" },
  "executor.unknown": { status: 422, title: "Unknown executor" },
  "executor.failed": { status: 500, title: "Executor failed" },
  "container.runtime.unavailable": { status: 422, title: "Sandbox runtime unavailable" },
  "plugin.invalid": { status: 500, title: "Invalid plugin" },
  "store.failed": { status: 500, title: "Store failed" },
  "engine.restarted": { status: 500, title: "Engine restarted during the run" },
  "idempotency.conflict": { status: 409, title: "Idempotency key reused with a different request" },
  "auth.required": { status: 401, title: "Authentication required" },
  "auth.invalid": { status: 401, title: "Invalid token" },
  "auth.scope.missing": { status: 403, title: "Token lacks a required scope" },
  "auth.csrf.invalid": { status: 403, title: "Missing or wrong CSRF token" },
  "request.malformed": { status: 400, title: "Malformed request" },
  "route.not.found": { status: 404, title: "No such route" },
  "method.not.allowed": { status: 405, title: "Method not allowed" },
  "request.timeout": { status: 408, title: "Request not received in time" },
  "request.too.large": { status: 413, title: "Request body too large" },
  "request.unsupported.media.type": { status: 415, title: "Unsupported media type" },
  "request.host.not.allowed": { status: 421, title: "Host not served here" },
  "request.headers.too.large": { status: 431, title: "Request headers too large" },
  "server.shutting.down": { status: 503, title: "Server is shutting down" },
  "internal": { status: 500, title: "Internal error" }
} as const

/**
 * The short "how to fix it" of a problem, when its code has one (and, for
 * codes with many causes such as `E_OCI`, when the detail shows the cause
 * the hint is about).
 *
 * @since 0.1.0
 * @category errors
 */
export function problemFix(problem: { readonly code: ProblemCode; readonly detail: string }): string | undefined {
  const entry = problemCodes[problem.code]
  if (!("fix" in entry)) return undefined
  return !("fixWhen" in entry) || entry.fixWhen.test(problem.detail) ? entry.fix : undefined
}

/**
 * A stable problem code.
 *
 * @since 0.1.0
 * @category errors
 */
export type ProblemCode = keyof typeof problemCodes

/**
 * One failing field of an input, with its path (`args.name`, `argspec.args[2].type`).
 *
 * @since 0.1.0
 * @category models
 */
export interface FieldError {
  readonly path: string
  readonly message: string
}

interface ProblemFields {
  readonly code: ProblemCode
  readonly detail: string
  readonly errors?: ReadonlyArray<FieldError>
  readonly cause?: unknown
}

/**
 * What every flwd error exposes, whatever its tag.
 *
 * @since 0.1.0
 * @category errors
 */
export interface Problem {
  readonly _tag: string
  readonly code: ProblemCode
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly errors?: ReadonlyArray<FieldError>
}

const base = <Tag extends string>(tag: Tag) =>
  class extends Data.TaggedError(tag)<ProblemFields> {
    get status(): number {
      return problemCodes[this.code].status
    }
    get title(): string {
      return problemCodes[this.code].title
    }
    override get message(): string {
      return `${this.code}: ${this.detail}`
    }
  }

/** @since 0.1.0 @category errors */
export class ValidationError extends base("ValidationError") {}
/** @since 0.1.0 @category errors */
export class JobError extends base("JobError") {}
/** @since 0.1.0 @category errors */
export class RunError extends base("RunError") {}
/** @since 0.1.0 @category errors */
export class SourceError extends base("SourceError") {}
/** @since 0.1.0 @category errors */
export class PolicyError extends base("PolicyError") {}
/** @since 0.1.0 @category errors */
export class ExecutorError extends base("ExecutorError") {}
/** @since 0.1.0 @category errors */
export class StoreError extends base("StoreError") {}
/** @since 0.1.0 @category errors */
export class ConfigError extends base("ConfigError") {}
/** @since 0.1.0 @category errors */
export class PluginError extends base("PluginError") {}

/**
 * Any error the engine can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type EngineError =
  | ValidationError
  | JobError
  | RunError
  | SourceError
  | PolicyError
  | ExecutorError
  | StoreError
  | ConfigError
  | PluginError

/**
 * True for any of flwd's tagged errors (and for foreign errors shaped like one).
 *
 * @since 0.1.0
 * @category errors
 */
export function isProblem(u: unknown): u is Problem {
  return typeof u === "object" && u !== null && "code" in u && typeof (u as { code: unknown }).code === "string" &&
    (u as { code: string }).code in problemCodes && "detail" in u
}
