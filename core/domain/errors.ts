/**
 * @module
 * Every failure flwd reports carries a stable `code` from one closed table and
 * the HTTP status that code maps to. The server turns these into RFC 9457
 * problem details; the CLI prints `code: detail` and exits non-zero.
 */
import * as Data from "effect/Data"
// Named so the declaration emitter can spell the error classes' base type in `.d.ts`:
// unused in the source, needed in the emitted types.
// deno-lint-ignore no-unused-vars
import type * as Channel from "effect/Channel"
// deno-lint-ignore no-unused-vars
import type * as Effect from "effect/Effect"
// deno-lint-ignore no-unused-vars
import type * as Sink from "effect/Sink"
// deno-lint-ignore no-unused-vars
import type * as Stream from "effect/Stream"
// deno-lint-ignore no-unused-vars
import type { NodeInspectSymbol } from "effect/Inspectable"

/**
 * One problem code's entry: its HTTP status, title and fix hint.
 *
 * @since 0.2.0
 * @category errors
 */
export interface ProblemInfo {
  readonly status: number
  readonly title: string
  /** How to fix it, in the words of the API (fields, endpoints). */
  readonly fix?: string
  /** The fix in the words of the CLI (its flags), when they differ. */
  readonly cliFix?: string
  /** The fix is shown only when the detail matches (codes with many causes). */
  readonly fixWhen?: RegExp
}

/**
 * A problem table: code → entry. The engine's is core's `problemCodes`
 * plus every plugin's `problems` (see `Plugins.problems`).
 *
 * @since 0.2.0
 * @category errors
 */
export type ProblemTable = Readonly<Record<string, ProblemInfo>>

/**
 * Core's problem codes, each with its HTTP status and title. Plugins add
 * theirs through their `problems` contribution.
 *
 * @since 0.1.0
 * @category errors
 */
export const problemCodes = {
  "validation.failed": { status: 400, title: "Validation failed", fix: "Correct the fields listed under errors and try again" },
  "args.invalid": {
    status: 422,
    title: "Invalid arguments",
    fix: "Correct the arguments listed under errors; flwd :plan <job> --help or GET /jobs/{id} shows what the job takes"
  },
  "job.not.found": {
    status: 404,
    title: "Job not found",
    fix: "List the jobs with flwd :jobs (or GET /jobs) and use one of their ids; a source's jobs are named <source>/<job>"
  },
  "run.not.found": { status: 404, title: "Run not found", fix: "List the runs with flwd :runs (or GET /runs) and use one of their ids" },
  "run.not.cancelable": { status: 409, title: "Run is already finished", fix: "Nothing to cancel: flwd :runs show <id> gives the run's outcome" },
  "run.exit.nonzero": {
    status: 500,
    title: "Run exited with a non-zero code",
    fix: "Read the run's log (flwd :runs events <id>) for what the job printed before it failed"
  },
  "run.timeout": {
    status: 504,
    title: "Run timed out",
    fix: "Raise the job's timeout in its definition, or find in its log (flwd :runs events <id>) what it was waiting for"
  },
  "source.not.found": {
    status: 404,
    title: "Source not found",
    fix: "List the sources with flwd :sources (or GET /sources) and use one of their names, or add it first"
  },
  "source.not.allowed": {
    status: 403,
    title: "Source not allowed",
    fix: "Point the source at a directory inside an allowed local root (the policy's allowed_local_roots), or add that directory to the list"
  },
  "source.invalid": { status: 422, title: "Invalid source", fix: "Correct the fields listed under errors and add the source again" },
  "source.type.unknown": {
    status: 422,
    title: "Unknown source type",
    fix: "Use a source type this engine has (flwd :sources add --help lists them, loaded plugins included)"
  },
  "source.name.reserved": { status: 422, title: "Reserved source name", fix: "Choose another name: default names the root job tree" },
  "source.trust.required": {
    status: 422,
    title: "Source must be trusted explicitly",
    fix:
      'Tick “I trust this image” in the console, or add the source with "trusted": true (flwd :sources add --trusted), once you trust the code the image runs',
    // The CLI names its own flag: a console checkbox or a JSON field means nothing at a shell prompt.
    cliFix: "Add --trusted to flwd :sources add once you trust the code the image runs"
  },
  "source.plugin.failed": {
    status: 502,
    title: "Source plugin failed",
    fix: "The plugin behind the source type failed: see the detail, then report it to the plugin's authors or remove the plugin"
  },
  "source.failed": {
    status: 502,
    title: "Source failed",
    fix: "Fix what the detail names (a path, URL or revision that cannot be read), then flwd :sources refresh <name>"
  },
  "discovery.collision": {
    status: 409,
    title: "Two jobs resolve to one id",
    fix: "Rename or move one of the two job files so that each path gives its own id"
  },
  "discovery.invalid": {
    status: 422,
    title: "Invalid job definition",
    fix: "Correct the job file the detail names (the fields listed under errors); flwd :sources show <name> lists every diagnostic"
  },
  "profile.unknown": {
    status: 422,
    title: "Unknown security profile",
    fix: "Use secure, permissive, disabled or a profile a loaded plugin adds (flwd :policy show lists them)"
  },
  "policy.override.denied": {
    status: 403,
    title: "Weaker profile needs policy:override",
    fix: "Ask for the server's default profile, or use a token with the policy:override scope"
  },
  "policy.invalid": {
    status: 422,
    title: "Invalid policy",
    fix: "Correct the policy file's fields listed under errors (docs/security.md describes each); flwd :policy show checks it"
  },
  "config.invalid": {
    status: 422,
    title: "Invalid configuration",
    fix: "Correct the fields listed under errors in flwd.yaml or the flags; flwd :config validate checks the file"
  },
  "executor.unknown": {
    status: 422,
    title: "Unknown executor",
    fix: "Use an executor this engine has (the built-in ones or one a loaded plugin adds) in the job definition"
  },
  "executor.failed": {
    status: 500,
    title: "Executor failed",
    fix: "The job could not be started: check that its command or interpreter exists where it runs (in the image for add-on jobs)"
  },
  "container.runtime.unavailable": {
    status: 422,
    title: "Sandbox runtime unavailable",
    fix: "Install bubblewrap (bwrap) on the host that runs the engine, or run the job under a profile that does not need a sandbox"
  },
  "plugin.invalid": {
    status: 500,
    title: "Invalid plugin",
    fix: "Fix or remove the plugin module the detail names (--plugin or flwd.yaml's plugins); it must export a flwd plugin"
  },
  "store.failed": { status: 500, title: "Store failed", fix: "Check that the data directory (--data-dir, FLWD_DATA_DIR) is writable and has free space" },
  "engine.restarted": { status: 500, title: "Engine restarted during the run", fix: "Run the job again" },
  "engine.node.lost": {
    status: 500,
    title: "The server running the run was lost",
    fix: "Run the job again; the server that claimed it stopped renewing its lease (killed, or cut off from the database)"
  },
  "idempotency.conflict": { status: 409, title: "Idempotency key reused with a different request", fix: "Use a new Idempotency-Key for a different request" },
  "auth.required": {
    status: 401,
    title: "Authentication required",
    fix: "Send a bearer token: --token or FLWD_TOKEN for the CLI, an Authorization: Bearer header otherwise"
  },
  "auth.invalid": { status: 401, title: "Invalid token", fix: "Use a token the server knows (its FLWD_TOKENS or flwd.yaml's tokens)" },
  "auth.scope.missing": {
    status: 403,
    title: "Token lacks a required scope",
    fix: "Use a token with the scope the detail names, or give this token that scope on the server"
  },
  "auth.csrf.invalid": { status: 403, title: "Missing or wrong CSRF token", fix: "Reload the page and submit the form again" },
  "request.malformed": { status: 400, title: "Malformed request", fix: "Send the request as docs/api.md describes it (the detail names what was wrong)" },
  "route.not.found": { status: 404, title: "No such route", fix: "Check the path against docs/api.md or GET /openapi.json" },
  "method.not.allowed": { status: 405, title: "Method not allowed", fix: "Use one of the methods the Allow header lists" },
  "request.timeout": { status: 408, title: "Request not received in time", fix: "Send the whole request sooner, or retry over a faster connection" },
  "request.too.large": { status: 413, title: "Request body too large", fix: "Send a smaller body, or raise the server's limit (flwd :serve --body-limit)" },
  "request.unsupported.media.type": {
    status: 415,
    title: "Unsupported media type",
    fix: "Send the body as application/json with a Content-Type header saying so"
  },
  "request.host.not.allowed": {
    status: 421,
    title: "Host not served here",
    fix: "Use a host name the server serves, or add it to the server's allowed hosts (flwd :serve --allowed-host, flwd.yaml's allowed_hosts)"
  },
  "request.headers.too.large": { status: 431, title: "Request headers too large", fix: "Send fewer or smaller headers (cookies included)" },
  "server.shutting.down": { status: 503, title: "Server is shutting down", fix: "Retry once the server is back" },
  "internal": { status: 500, title: "Internal error", fix: "This is a bug in flwd: report it, with the detail and the steps before it" }
} as const

/**
 * The short "how to fix it" of a problem, when its code has one in `table`
 * (the engine's assembled table; default core's) and, for codes with many
 * causes such as a registry failure, when the detail shows the cause the
 * hint is about. `surface` "cli" prefers the code's `cliFix`, which names
 * the CLI's flags instead of the API's fields.
 *
 * @since 0.1.0
 * @category errors
 */
export function problemFix(
  problem: { readonly code: string; readonly detail: string; readonly problem?: ProblemInfo },
  surface: "api" | "cli" = "api",
  table: ProblemTable = problemCodes
): string | undefined {
  const entry = infoOf(problem.code, table) ?? problem.problem
  if (entry?.fix === undefined) return undefined
  if (entry.fixWhen !== undefined && !entry.fixWhen.test(problem.detail)) return undefined
  return surface === "cli" && entry.cliFix !== undefined ? entry.cliFix : entry.fix
}

// Own keys only: a code such as "constructor" must not find Object.prototype's.
function infoOf(code: string, table: ProblemTable): ProblemInfo | undefined {
  return Object.hasOwn(table, code) ? table[code] : undefined
}

/**
 * The entry of a problem: from `table` (default core's), else the entry a
 * plugin's error carries (`problem`), else undefined.
 *
 * @since 0.2.0
 * @category errors
 */
export function problemInfo(
  problem: { readonly code: string; readonly problem?: ProblemInfo | undefined },
  table: ProblemTable = problemCodes
): ProblemInfo | undefined {
  return infoOf(problem.code, table) ?? problem.problem
}

/**
 * One of core's problem codes.
 *
 * @since 0.2.0
 * @category errors
 */
export type CoreProblemCode = keyof typeof problemCodes

/**
 * A stable problem code: one of core's, or one a plugin contributes
 * (`problems`). Core's codes are spelled out so that a typo in core fails
 * to compile; a plugin's are strings its own table lists.
 *
 * @since 0.1.0
 * @category errors
 */
// `string & {}` keeps the literal codes offered by editors while admitting any string.
// deno-lint-ignore ban-types
export type ProblemCode = CoreProblemCode | (string & {})

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

/**
 * A code a plugin contributes (its `problems` table): any string, admitted
 * only together with its entry (`problem`), so that status and title travel
 * with the error and a misspelt core code cannot pass for a plugin's.
 *
 * @since 0.2.0
 * @category errors
 */
// `string & {}` keeps the literal codes offered by editors while admitting any string.
// deno-lint-ignore ban-types
export type PluginProblemCode = string & {}

/**
 * Each area's own codes: an error class takes only these (or a plugin's
 * code with its entry), so a code from another area fails to compile.
 * A run's area includes a reused idempotency key; a store also reports a
 * record it does not hold (`run.not.found`), a cursor it did not issue
 * (`validation.failed`) and its own bad options (`config.invalid`); a configuration names the policy file
 * it reads (`policy.invalid`); a source names a bad trust section of its
 * policy (`policy.invalid`).
 *
 * @since 0.2.0
 * @category errors
 */
export interface AreaCodes {
  readonly ValidationError: Extract<CoreProblemCode, "validation.failed" | "args.invalid" | "source.invalid" | `request.${string}`>
  readonly JobError: Extract<CoreProblemCode, `job.${string}`>
  readonly RunError: Extract<CoreProblemCode, `run.${string}` | `engine.${string}` | "idempotency.conflict">
  readonly SourceError: Extract<CoreProblemCode, `source.${string}` | `discovery.${string}` | "policy.invalid">
  readonly PolicyError: Extract<CoreProblemCode, `policy.${string}` | "profile.unknown">
  readonly ExecutorError: Extract<CoreProblemCode, `executor.${string}` | "container.runtime.unavailable">
  readonly StoreError: Extract<CoreProblemCode, `store.${string}` | "run.not.found" | "config.invalid" | "validation.failed">
  readonly ConfigError: Extract<CoreProblemCode, `config.${string}` | "policy.invalid">
  readonly PluginError: Extract<CoreProblemCode, `plugin.${string}` | "source.plugin.failed">
}

interface CommonFields {
  readonly detail: string
  readonly errors?: ReadonlyArray<FieldError>
  readonly cause?: unknown
}

interface ProblemFields<Code extends CoreProblemCode> extends CommonFields {
  readonly code: Code | PluginProblemCode
  /** A plugin code's entry, so status and title are right wherever the error travels. */
  readonly problem?: ProblemInfo
}

/**
 * What an area's error is built from: one of the area's codes, or a
 * plugin's code with its entry.
 *
 * @since 0.2.0
 * @category errors
 */
export type ProblemArgs<Code extends CoreProblemCode> =
  | (CommonFields & { readonly code: Code; readonly problem?: ProblemInfo })
  | (CommonFields & { readonly code: PluginProblemCode; readonly problem: ProblemInfo })

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
  /** A plugin code's entry, when the error carries it. */
  readonly problem?: ProblemInfo
}

const base = <Tag extends keyof AreaCodes>(tag: Tag) =>
  class extends Data.TaggedError(tag)<ProblemFields<AreaCodes[Tag]>> {
    // The constructor narrows what the fields admit: the area's codes, or a plugin's with its entry.
    constructor(args: ProblemArgs<AreaCodes[Tag]>) {
      super(args)
    }
    get status(): number {
      return (infoOf(this.code, problemCodes) ?? this.problem ?? problemCodes.internal).status
    }
    get title(): string {
      return (infoOf(this.code, problemCodes) ?? this.problem ?? problemCodes.internal).title
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
  return typeof u === "object" && u !== null && "code" in u && typeof u.code === "string" && "detail" in u &&
    typeof u.detail === "string"
}
