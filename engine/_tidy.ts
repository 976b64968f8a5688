/**
 * @module
 * Field errors as people read them.
 */
import type { FieldError } from "../core/mod.ts"

/**
 * One error per path: Schema reports an optional field's `undefined`
 * alternative and every literal of a union separately, which reads as noise.
 */
export function tidy(errors: ReadonlyArray<FieldError>): Array<FieldError> {
  const byPath = new Map<string, Array<string>>()
  for (const e of errors) byPath.set(e.path, [...(byPath.get(e.path) ?? []), e.message])
  return [...byPath].map(([path, messages]) => {
    const real = messages.filter((m) => !m.startsWith("Expected undefined,"))
    const literals = real.map((m) => /^Expected (".*"), actual (.*)$/.exec(m)).filter((m) => m !== null)
    if (literals.length > 1 && literals.length === real.length) {
      return { path, message: `must be one of ${literals.map((m) => m![1]).join(", ")} (got ${literals[0]![2]})` }
    }
    return { path, message: (real.length > 0 ? real : messages).join("; ") }
  })
}
