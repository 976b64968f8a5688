/**
 * @module
 * Checks a `steps:` DAG — unique ids, known `needs`, no cycles — and orders
 * it so that every step comes after the steps it needs.
 */
import type { FieldError, Step } from "../../core/mod.ts"

/**
 * The steps in a dependency order (stable: ties keep the written order), or
 * the problems with field paths (`steps[2].needs`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function orderSteps(steps: ReadonlyArray<Step>): { readonly steps: Array<Step>; readonly errors: Array<FieldError> } {
  const errors: Array<FieldError> = []
  const index = new Map<string, number>()
  steps.forEach((s, i) => {
    const first = index.get(s.id)
    if (first !== undefined) errors.push({ path: `steps[${i}].id`, message: `duplicates steps[${first}].id "${s.id}"` })
    else index.set(s.id, i)
  })
  steps.forEach((s, i) => {
    for (const need of s.needs) {
      if (need === s.id) errors.push({ path: `steps[${i}].needs`, message: `step "${s.id}" cannot need itself` })
      else if (!index.has(need)) errors.push({ path: `steps[${i}].needs`, message: `names an unknown step "${need}"` })
    }
  })
  if (errors.length > 0) return { steps: [], errors }

  // Kahn's algorithm, always taking the earliest written step that is ready.
  const remaining = new Map(steps.map((s) => [s.id, new Set(s.needs)]))
  const ordered: Array<Step> = []
  while (remaining.size > 0) {
    const next = steps.find((s) => remaining.get(s.id)?.size === 0)
    if (next === undefined) break
    remaining.delete(next.id)
    for (const needs of remaining.values()) needs.delete(next.id)
    ordered.push(next)
  }
  if (remaining.size > 0) {
    const cycle = findCycle(steps.filter((s) => remaining.has(s.id)))
    const at = index.get(cycle[0])!
    errors.push({ path: `steps[${at}].needs`, message: `steps form a cycle: ${cycle.join(" → ")}` })
  }
  return { steps: errors.length > 0 ? [] : ordered, errors }
}

/** Walks `needs` from the first blocked step until a step repeats. */
function findCycle(blocked: ReadonlyArray<Step>): Array<string> {
  const byId = new Map(blocked.map((s) => [s.id, s]))
  const path: Array<string> = []
  let current = blocked[0]
  while (!path.includes(current.id)) {
    path.push(current.id)
    current = byId.get(current.needs.find((n) => byId.has(n))!)!
  }
  return [...path.slice(path.indexOf(current.id)), current.id]
}
