/**
 * @module
 * Decoding a source spec with its plugin's Schema into field-level errors.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type FieldError, SourceError, ValidationError } from "../domain/errors.ts"
import { DEFAULT_SOURCE, SourceName, type SourceSpec } from "../domain/source.ts"
import type { SourcePlugin } from "../plugin.ts"

/** Turns a Schema parse error into one field error per failing path. */
export function fieldErrors(error: ParseResult.ParseError, prefix = ""): ReadonlyArray<FieldError> {
  return ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== "").join("."),
    message: issue.message
  }))
}

const decodeName = Schema.decodeUnknownEither(SourceName)

/** Validates the envelope (`type`, `name`), finds the plugin, and decodes the plugin's own fields. */
export function decodeSpec(
  input: unknown,
  pluginFor: (type: string) => SourcePlugin<any, any> | undefined,
  types: ReadonlyArray<string>
): Effect.Effect<{ readonly spec: SourceSpec; readonly plugin: SourcePlugin<any, any> }, ValidationError | SourceError> {
  return Effect.gen(function* () {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      return yield* new ValidationError({ code: "validation.failed", detail: "A source spec must be an object" })
    }
    const raw = input as Record<string, unknown>
    const errors: Array<FieldError> = []
    if (typeof raw.type !== "string") errors.push({ path: "type", message: `is required (one of ${types.join(", ")})` })
    if (typeof raw.name !== "string") errors.push({ path: "name", message: "is required" })
    else if (decodeName(raw.name)._tag === "Left") {
      errors.push({ path: "name", message: "must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit" })
    }
    if (errors.length > 0) {
      return yield* new ValidationError({ code: "source.invalid", detail: "Invalid source spec", errors })
    }
    if (raw.name === DEFAULT_SOURCE) {
      return yield* new SourceError({
        code: "source.name.reserved",
        detail: `"${DEFAULT_SOURCE}" names the root job tree`,
        errors: [{ path: "name", message: "is reserved" }]
      })
    }
    const plugin = pluginFor(raw.type as string)
    if (plugin === undefined) {
      return yield* new SourceError({
        code: "source.type.unknown",
        detail: `No source plugin handles type "${String(raw.type)}" (known: ${types.join(", ")})`,
        errors: [{ path: "type", message: `must be one of ${types.join(", ")}` }]
      })
    }
    const decoded = Schema.decodeUnknownEither(plugin.spec, { onExcessProperty: "error", errors: "all" })(raw)
    if (decoded._tag === "Left") {
      return yield* new ValidationError({
        code: "source.invalid",
        detail: `Invalid ${plugin.type} source spec`,
        errors: fieldErrors(decoded.left)
      })
    }
    return { spec: decoded.right as SourceSpec, plugin }
  })
}
