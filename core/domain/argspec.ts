/**
 * @module
 * The argument specification of a job (DESIGN §4): the declarative form read
 * from `config.yaml`. `core/engine/args.ts` compiles it to a Schema.
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category models */
export const ArgType = Schema.Literal("string", "integer", "number", "boolean", "array", "object")
/** @since 0.1.0 @category models */
export type ArgType = typeof ArgType.Type

/** @since 0.1.0 @category models */
export const ArgFormat = Schema.Literal("secret", "path", "file", "directory")
/** @since 0.1.0 @category models */
export type ArgFormat = typeof ArgFormat.Type

/**
 * One declared argument.
 *
 * @since 0.1.0
 * @category models
 */
export const ArgDef = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, {
    message: () => "must start with a letter or _ and contain only letters, digits, _ and - (at most 64)"
  })),
  type: Schema.optionalWith(ArgType, { default: () => "string" as const }),
  required: Schema.optional(Schema.Boolean),
  default: Schema.optional(Schema.Unknown),
  description: Schema.optional(Schema.String),
  items_type: Schema.optional(ArgType),
  enum: Schema.optional(Schema.Array(Schema.Unknown)),
  minimum: Schema.optional(Schema.Number),
  maximum: Schema.optional(Schema.Number),
  minLength: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  maxLength: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  pattern: Schema.optional(Schema.String),
  minItems: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  maxItems: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  format: Schema.optional(ArgFormat)
})
/** @since 0.1.0 @category models */
export type ArgDef = typeof ArgDef.Type

/**
 * The argument specification of a job.
 *
 * @since 0.1.0
 * @category models
 */
export const ArgSpec = Schema.Struct({
  args: Schema.Array(ArgDef)
})
/** @since 0.1.0 @category models */
export type ArgSpec = typeof ArgSpec.Type

/**
 * An object as arguments travel: the arguments of a request, and the value
 * of an `object` argument. It is checked, then passed on as it came:
 * `Schema.Record` would rebuild it by assignment, which turns an own
 * `__proto__` key (JSON.parse makes one) into the copy's prototype — the key
 * would vanish from validation and its content show through inherited
 * lookups. Kept, the key is reported like any unknown argument, or stays
 * plain data inside an `object` argument.
 *
 * @since 0.1.0
 * @category models
 */
export const ArgObject: Schema.Schema<Readonly<Record<string, unknown>>> = Schema.declare(
  (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u),
  { message: () => "must be an object", jsonSchema: { type: "object" } }
)
