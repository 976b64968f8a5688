/**
 * @module
 * How a flag is declared. Its own file because both the parser
 * (`argv.ts`) and the global flags it parses (`global-flags.ts`) need it,
 * and neither may import the other back.
 */

/** A declared flag. `name` is spelled without dashes. */
export interface FlagSpec {
  readonly name: string
  /** `boolean` takes no value; `value` takes one; `list` may repeat. */
  readonly kind: "boolean" | "value" | "list"
  readonly description: string
  /** Shown in help as `--name <valueName>`. */
  readonly valueName?: string
  /** One-letter alias (`h` for `-h`). */
  readonly short?: string
  /** Left out of help and of the valid-flags list. */
  readonly hidden?: boolean
}
