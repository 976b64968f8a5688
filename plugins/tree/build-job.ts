/**
 * @module
 * Turns one parsed `config.yaml` into a `JobDefinition` (DESIGN §4): decodes
 * it, converts the legacy `arguments:` map, checks the argspec, and
 * normalises `command`, numbered scripts and `steps:` into steps. Pure: the
 * files a step names are returned for the caller to check on disk.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ArgDef, checkArgSpec, parseDuration } from "../../core/mod.ts"
import type { ArgSpec, FieldError, JobDefinition, Step } from "../../core/mod.ts"
import { TreeConfig, unknownConfigKeys } from "./config-schema.ts"
import { splitShellWords } from "./shell-words.ts"
import { orderSteps } from "./step-graph.ts"

/** @since 0.1.0 @category models */
export interface JobInput {
  readonly id: string
  /** Absolute job directory. */
  readonly dir: string
  /** The parsed YAML document. */
  readonly config: unknown
  /** Numbered script file names (`000_x.sh`) in the job directory, sorted. */
  readonly scripts: ReadonlyArray<string>
}

/** @since 0.1.0 @category models */
export interface BuiltJob {
  /** Absent when `errors` is not empty. */
  readonly job?: JobDefinition
  readonly errors: ReadonlyArray<FieldError>
  /** Key paths the config sets that tree-v1 does not know. */
  readonly unknownKeys: ReadonlyArray<string>
  /** Relative paths a step starts (`./run.sh`), with the config field naming them. */
  readonly files: ReadonlyArray<{ readonly field: string; readonly path: string }>
}

const decodeConfig = Schema.decodeUnknownEither(TreeConfig, { errors: "all" })
const decodeArg = Schema.decodeUnknownEither(ArgDef, { errors: "all" })
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** `["argspec", "args", 2, "type"]` → `argspec.args[2].type`. */
function fieldPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`
  return out
}

/**
 * One error per failing field. A union reports each member apart (the
 * `undefined` of an optional key included); they are folded into one
 * `Expected "a" | "b", actual "c"` message.
 */
function parseErrors(error: ParseResult.ParseError, prefix = ""): Array<FieldError> {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({ path: fieldPath(prefix, i.path), message: i.message }))
  const byPath = new Map<string, Array<string>>()
  for (const { path, message } of issues) {
    const deeper = issues.some((o) => o.path !== path && (o.path.startsWith(`${path}.`) || o.path.startsWith(`${path}[`) || path === ""))
    if (deeper && message.startsWith("Expected ")) continue
    byPath.set(path, [...(byPath.get(path) ?? []), message])
  }
  return [...byPath].map(([path, messages]) => {
    const rest = messages.filter((m) => !m.startsWith("Expected undefined,"))
    const expected = rest.map((m) => /^Expected (.+), actual (.+)$/s.exec(m))
    if (rest.length > 1 && expected.every((m) => m !== null && m[2] === expected[0]![2])) {
      return { path, message: `Expected ${expected.map((m) => m![1]).join(" | ")}, actual ${expected[0]![2]}` }
    }
    return { path, message: (rest.length > 0 ? rest : messages).join("; ") }
  })
}

const isRelativeFile = (word: string) => !word.startsWith("/") && word.includes("/")

/**
 * Builds the job a config describes, or lists what is wrong with it.
 *
 * @since 0.1.0
 * @category constructors
 */
export function buildJob(input: JobInput): BuiltJob {
  const raw = input.config ?? {}
  if (!isObject(raw)) return { errors: [{ path: "", message: "must be a mapping of keys to values" }], unknownKeys: [], files: [] }
  // An empty key (`summary:`) means the same as leaving it out.
  const config = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null))
  const unknownKeys = unknownConfigKeys(config)
  const decoded = decodeConfig(config)
  if (Either.isLeft(decoded)) return { errors: parseErrors(decoded.left), unknownKeys, files: [] }
  const c = decoded.right
  const errors: Array<FieldError> = []
  const warnings = unknownKeys.map((k) => `config key "${k}" is unknown and ignored`)
  const files: Array<{ field: string; path: string }> = []

  const argspec = readArgSpec(c, errors)

  const words = (value: string | ReadonlyArray<string>, field: string): ReadonlyArray<string> => {
    let out: ReadonlyArray<string>
    if (typeof value === "string") {
      const split = splitShellWords(value)
      if (!split.ok) {
        errors.push({ path: field, message: split.message })
        return []
      }
      for (const op of split.operators) {
        errors.push({ path: field, message: `"${op}" is shell syntax, but commands run without a shell; quote it or use a script` })
      }
      for (const ref of split.expansions) {
        warnings.push(`${field}: "${ref}" is passed literally; commands run without a shell (arguments arrive as ARG_<NAME> variables)`)
      }
      out = split.words
    } else out = value
    if (out.length === 0 || out[0] === "") errors.push({ path: field, message: "must not be empty" })
    if (out.some((w) => w.includes("\0"))) errors.push({ path: field, message: "must not contain NUL bytes" })
    else if (out.length > 0 && isRelativeFile(out[0])) files.push({ field, path: out[0] })
    return out
  }

  const interpreter = c.interpreter === undefined ? [] : typeof c.interpreter === "string" ? c.interpreter.split(/\s+/).filter((w) => w !== "") : c.interpreter
  if (c.interpreter !== undefined && interpreter.length === 0) errors.push({ path: "interpreter", message: "must not be empty" })

  let steps: Array<Step> = []
  if (c.steps !== undefined && c.command !== undefined) {
    errors.push({ path: "command", message: "use either command or steps, not both" })
  } else if (c.steps !== undefined) {
    if (c.steps.length === 0) errors.push({ path: "steps", message: "must list at least one step" })
    const written = c.steps.map((s, i): Step => {
      const needs = s.needs === undefined ? [] : typeof s.needs === "string" ? [s.needs] : [...s.needs]
      if ((s.script === undefined) === (s.command === undefined)) {
        errors.push({ path: `steps[${i}]`, message: "needs exactly one of script or command" })
        return { id: s.id, argv: [], needs }
      }
      if (s.script !== undefined) return { id: s.id, argv: [...interpreter, scriptPath(s.script, `steps[${i}].script`)], needs }
      return { id: s.id, argv: [...interpreter, ...words(s.command!, `steps[${i}].command`)], needs }
    })
    const ordered = orderSteps(written)
    errors.push(...ordered.errors)
    steps = ordered.steps
  } else if (c.command !== undefined) {
    steps = [{ id: "main", argv: [...interpreter, ...words(c.command, "command")], needs: [] }]
  } else if (input.scripts.length > 0) {
    steps = input.scripts.map((file, i) => ({
      id: file,
      argv: [...interpreter, `./${file}`],
      needs: i === 0 ? [] : [input.scripts[i - 1]]
    }))
  } else {
    errors.push({ path: "", message: "no runnable entry: set command or steps, or add numbered scripts (000_name.sh)" })
  }
  if (input.scripts.length > 0 && (c.steps !== undefined || c.command !== undefined)) {
    warnings.push(`numbered scripts (${input.scripts.join(", ")}) are ignored because the config sets ${c.steps ? "steps" : "command"}`)
  }

  function scriptPath(script: string, field: string): string {
    if (script === "" || script.startsWith("/") || script.includes("\0")) {
      errors.push({ path: field, message: "must be a path relative to the job directory" })
      return script
    }
    // A script is a file of the job, never a program looked up on PATH.
    const path = script.startsWith("./") || script.startsWith("../") ? script : `./${script}`
    files.push({ field, path })
    return path
  }

  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(c.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) errors.push({ path: `env.${key}`, message: "is not a valid environment variable name" })
    else if (key.startsWith("FLWD_")) errors.push({ path: `env.${key}`, message: "FLWD_ variables are set by flwd" })
    else env[key] = String(value)
  }

  let timeout_ms: number | undefined
  if (c.timeout !== undefined) {
    timeout_ms = parseDuration(c.timeout)
    if (timeout_ms === undefined || timeout_ms <= 0) {
      errors.push({ path: "timeout", message: "must be a duration such as 30s, 10m, 1h, 500ms, or a number of seconds" })
    }
  }

  if (errors.length > 0) return { errors, unknownKeys, files }
  const job: JobDefinition = {
    id: input.id,
    name: c.name ?? input.id.slice(input.id.lastIndexOf("/") + 1),
    ...(c.summary !== undefined ? { summary: c.summary } : {}),
    ...(c.description !== undefined ? { description: c.description } : {}),
    dir: input.dir,
    steps,
    argspec,
    env,
    ...(timeout_ms !== undefined ? { timeout_ms: Math.round(timeout_ms) } : {}),
    ...(c.security_profile !== undefined ? { security_profile: c.security_profile } : {}),
    ...(c.executor !== undefined ? { executor: c.executor } : {}),
    ...(c.concurrency !== undefined ? { concurrency: c.concurrency } : {}),
    warnings
  }
  return { job, errors, unknownKeys, files }
}

/** The argspec of `argspec:` or of the legacy `arguments:` map, checked. */
function readArgSpec(c: TreeConfig, errors: Array<FieldError>): ArgSpec {
  if (c.argspec !== undefined && c.arguments !== undefined) {
    errors.push({ path: "arguments", message: "use either argspec or arguments, not both" })
    return { args: [] }
  }
  if (c.arguments !== undefined) {
    const names = Object.keys(c.arguments)
    const args = names.flatMap((name) => {
      const arg = decodeArg({ name, ...c.arguments![name] })
      if (Either.isRight(arg)) return [arg.right]
      errors.push(...parseErrors(arg.left, `arguments.${name}`).map((e) => ({ ...e, path: e.path.replace(/\.name$/, "") })))
      return []
    })
    const spec = { args }
    if (args.length === names.length) errors.push(...checkArgSpec(spec, (i) => `arguments.${names[i]}`))
    return spec
  }
  const spec = c.argspec ?? { args: [] }
  errors.push(...checkArgSpec(spec))
  return spec
}
