/**
 * @module
 * The nesting bound of JSON bodies. Schemas, argument checks, hashing and
 * the store's `JSON.stringify` all recurse over a body, so a 10,000-deep
 * array would overflow the stack somewhere inside the engine; the bound is
 * checked right after `JSON.parse` (iterative in V8, so Node and Deno parse
 * any depth), by a walk with its own stack, before anything else sees it.
 */
import { ValidationError } from "../core/mod.ts"

/** The deepest nesting a body may have: 32 levels, the body itself being the first. */
export const MAX_JSON_DEPTH = 32

interface Frame {
  readonly value: object
  readonly depth: number
  readonly parent: Frame | undefined
  readonly key: string | number
}

// `args.name[0]`: the field path notation of `errors[]`.
function pathOf(frame: Frame): string {
  const keys: Array<string | number> = []
  for (let f: Frame = frame; f.parent !== undefined; f = f.parent) keys.push(f.key)
  let path = ""
  for (const key of keys.reverse()) path += typeof key === "number" ? `[${key}]` : path === "" ? key : `.${key}`
  return path
}

/**
 * Fails with `validation.failed`, naming the path of the first container
 * nested deeper than `max`, without recursing.
 *
 * @since 0.1.0
 * @category constructors
 */
export function checkDepth(body: unknown, max: number = MAX_JSON_DEPTH): void {
  if (typeof body !== "object" || body === null) return
  const stack: Array<Frame> = [{ value: body, depth: 1, parent: undefined, key: "" }]
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.depth > max) {
      const path = pathOf(frame)
      throw new ValidationError({
        code: "validation.failed",
        detail: `The request body is nested more than ${max} levels deep`,
        errors: [{ path, message: `is nested more than ${max} levels deep` }]
      })
    }
    const entries: Array<[string | number, unknown]> = Array.isArray(frame.value) ? frame.value.map((v, i) => [i, v]) : Object.entries(frame.value)
    // Pushed in reverse, so the walk reports the first offender in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, value] = entries[i]
      if (typeof value === "object" && value !== null) stack.push({ value, depth: frame.depth + 1, parent: frame, key })
    }
  }
}
