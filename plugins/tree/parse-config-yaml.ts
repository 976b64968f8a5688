/**
 * @module
 * Reads the text of a `config.yaml`: the fast reader for the common subset,
 * the `yaml` package for everything else and for every error message.
 */
import { parseDocument } from "yaml"
import { parseYamlSubset } from "./_fast-yaml.ts"

/**
 * A parsed document, or the first YAML error with its position.
 *
 * @since 0.1.0
 * @category models
 */
export type ParsedYaml =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly message: string }

/**
 * Parses YAML text (YAML 1.2, core schema; duplicate keys are errors).
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseConfigYaml(text: string): ParsedYaml {
  const fast = parseYamlSubset(text)
  if (fast !== undefined) return { ok: true, value: fast }
  const doc = parseDocument(text, { prettyErrors: true })
  const error = doc.errors[0]
  if (error) {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 }
    // `prettyErrors` appends " at line L, column C:" and a source excerpt; we keep the first phrase.
    const message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")
    return { ok: false, line: pos.line, column: pos.col, message }
  }
  try {
    // An alias bomb is refused by `yaml` itself (maxAliasCount).
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) }
  } catch (e) {
    return { ok: false, line: 1, column: 1, message: e instanceof Error ? e.message : String(e) }
  }
}
