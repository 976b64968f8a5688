/**
 * @module
 * What every `Store` implementation needs at its edges: one way to turn
 * what a database driver threw into a `StoreError`, and one bound on page
 * sizes, so the SQLite and PostgreSQL stores report and page alike.
 */
import { messageOf } from "../domain/caught.ts"
import { StoreError } from "../domain/errors.ts"

/**
 * `store.failed` naming the operation and the first line of what was thrown
 * (callers show the detail to users, never a stack); a `StoreError` thrown
 * on purpose passes through unchanged.
 *
 * @since 0.2.0
 * @category errors
 */
export function storeFailure(operation: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error
  const detail = messageOf(error).split("\n")[0].trim() || "unknown error"
  return new StoreError({ code: "store.failed", detail: `${operation}: ${detail}`, cause: error })
}

/**
 * A page size asked for, as a whole number in `1..max`; `fallback` when absent or not finite.
 *
 * @since 0.2.0
 * @category utils
 */
export function pageLimit(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback
  return Math.min(max, Math.max(1, Math.floor(value)))
}
