/**
 * @module
 * The sandbox executor's policy section, `ceilings` (docs/security.md): what
 * a sandboxed run may use at most. Each field is checked while the policy
 * decodes, so a wrong value is `policy.invalid` naming `ceilings.<field>`,
 * with the same words whichever surface reads the file.
 */
import { parseDuration, Schema } from "../../../core/mod.ts"

// The sandbox's spellings (Kubernetes quantities): `512Mi`, `1G`; `1`, `0.5`, `500m`.
const MEMORY = /^\d+(?:\.\d+)?(?:[kKMGT]i?)?$/
const CPU = /^\d+(?:\.\d+)?m?$/

const positive = (text: string, pattern: RegExp) => pattern.test(text) && Number.parseFloat(text) > 0

const quantity = (pattern: RegExp, example: string) =>
  Schema.String.pipe(Schema.filter((s) => positive(s, pattern) || `${JSON.stringify(s)} is not a quantity such as ${example}`))

/**
 * The `ceilings` section.
 *
 * @since 0.2.0
 * @category models
 */
// Exact optionals: a wrong value is one error naming the field, not also "Expected undefined".
const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

export const CeilingsPolicy = Schema.Struct({
  cpu: optional(quantity(CPU, "1 or 500m")),
  memory: optional(quantity(MEMORY, "512Mi")),
  timeout: optional(Schema.String.pipe(
    Schema.filter((s) => (parseDuration(s) ?? 0) > 0 || `${JSON.stringify(s)} is not a duration such as 30m`)
  )),
  /** Processes (threads included) of one sandboxed run at once. Default 512. */
  pids: optional(Schema.Number.pipe(
    Schema.filter((n) => (Number.isSafeInteger(n) && n > 0) || `${JSON.stringify(n)} is not a whole number of processes such as 256`)
  )),
  /** Size of a sandboxed run's `/tmp` (a tmpfs). Default 256Mi. */
  tmp: optional(quantity(MEMORY, "64Mi"))
})
/** @since 0.2.0 @category models */
export type CeilingsPolicy = typeof CeilingsPolicy.Type

/**
 * The sandbox's policy section, as the plugin contributes it.
 *
 * @since 0.2.0
 * @category models
 */
export const sandboxPolicy = { ceilings: Schema.optionalWith(CeilingsPolicy, { exact: true }) }

const decodeSection = Schema.decodeUnknownOption(Schema.Struct(sandboxPolicy))

/**
 * The `ceilings` of a policy the engine decoded (absent or, defensively,
 * undecodable: none).
 *
 * @since 0.2.0
 * @category utils
 */
export function ceilingsOf(policy: Readonly<Record<string, unknown>>): CeilingsPolicy | undefined {
  const section = decodeSection({ ceilings: policy.ceilings })
  return section._tag === "Some" ? section.value.ceilings : undefined
}
