/**
 * @module
 * A problem document (RFC 9457) from the server becomes the tagged error
 * the in-process engine would have failed with: same `code`, `detail` and
 * `errors[]`, so whoever handles engine errors (the CLI's one-line message
 * and exit code, `Effect.catchTag`) cannot tell a remote engine from a
 * local one.
 */
import {
  ConfigError,
  type CoreProblemCode,
  type EngineError,
  ExecutorError,
  type FieldError,
  JobError,
  PluginError,
  PolicyError,
  type ProblemCode,
  problemCodes,
  type ProblemInfo,
  RunError,
  SourceError,
  StoreError,
  ValidationError
} from "../core/mod.ts"

// A document's code crosses areas (auth is policy here): it travels with its own entry, the path every class admits.
type ErrorClass = new (fields: { code: ProblemCode; problem: ProblemInfo; detail: string; errors?: ReadonlyArray<FieldError> }) => EngineError

// Families by code prefix; the first match wins. The server's own codes
// (auth, request, routing) join the family whose meaning fits: auth is
// policy, a bad request is validation.
const families: ReadonlyArray<readonly [ReadonlyArray<string>, ErrorClass]> = [
  [["validation.", "args.", "request."], ValidationError],
  [["job.", "discovery."], JobError],
  [["run.", "idempotency.", "engine."], RunError],
  [["source.", "image.", "E_OCI", "E_ADDON_MANIFEST"], SourceError],
  [["profile.", "policy.", "auth."], PolicyError],
  [["executor.", "container."], ExecutorError],
  [["store."], StoreError],
  [["plugin."], PluginError]
]

/** The error class for a code; the server itself (routing, shutdown, `internal`) falls to `ConfigError`. */
function classFor(code: ProblemCode): ErrorClass {
  for (const [prefixes, cls] of families) if (prefixes.some((p) => code.startsWith(p))) return cls
  return ConfigError
}

const isCode = (code: string): code is CoreProblemCode => Object.hasOwn(problemCodes, code)

function fieldErrors(u: unknown): ReadonlyArray<FieldError> | undefined {
  if (!Array.isArray(u)) return undefined
  const errors = u.flatMap((e) =>
    typeof e === "object" && e !== null && typeof e.path === "string" && typeof e.message === "string"
      ? [{ path: e.path as string, message: e.message as string }]
      : []
  )
  return errors.length > 0 ? errors : undefined
}

/**
 * True for a body shaped like a problem document: a string `code` and `detail`.
 *
 * @since 0.1.0
 * @category models
 */
export function isProblemDocument(u: unknown): u is { readonly code: string; readonly detail: string; readonly errors?: unknown } {
  return typeof u === "object" && u !== null && typeof (u as { code?: unknown }).code === "string" &&
    typeof (u as { detail?: unknown }).detail === "string"
}

/**
 * The tagged error a problem document stands for. A code this client does
 * not know (a newer server) keeps its name in the detail under `internal`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function fromProblem(doc: { readonly code: string; readonly detail: string; readonly errors?: unknown }): EngineError {
  const errors = fieldErrors(doc.errors)
  const fields = isCode(doc.code)
    ? { code: doc.code, problem: problemCodes[doc.code], detail: doc.detail }
    : { code: "internal" as const, problem: problemCodes.internal, detail: `${doc.code}: ${doc.detail}` }
  const Cls = classFor(fields.code)
  return new Cls(errors !== undefined ? { ...fields, errors } : fields)
}
