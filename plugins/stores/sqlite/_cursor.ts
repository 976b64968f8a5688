/**
 * @module
 * Run-listing cursors: the sort key of the last run on a page, as base64url
 * JSON. Keyset pagination stays correct while new runs arrive, unlike an
 * offset. Clients treat the string as opaque.
 */
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import { StoreError } from "../../../core/mod.ts"

/** Where the next page starts: strictly after this run in listing order. */
export interface RunCursor {
  readonly created_at: string
  readonly id: string
}

/** The opaque string for a cursor. */
export function encodeCursor(cursor: RunCursor): string {
  return Encoding.encodeBase64Url(JSON.stringify([cursor.created_at, cursor.id]))
}

/** The cursor a string stands for, or `null` when it is not one of ours. */
export function decodeCursor(text: string): RunCursor | null {
  const decoded = Encoding.decodeBase64UrlString(text)
  if (Either.isLeft(decoded)) return null
  try {
    const value: unknown = JSON.parse(decoded.right)
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") {
      return { created_at: value[0], id: value[1] }
    }
  } catch {
    // not JSON: fall through
  }
  return null
}

/**
 * Where a page asked for with `cursor` starts: `null` for the first page,
 * `validation.failed` naming `cursor` when it is not one of ours.
 */
export function pageStart(cursor: string | undefined): Either.Either<RunCursor | null, StoreError> {
  if (cursor === undefined || cursor === "") return Either.right(null)
  const after = decodeCursor(cursor)
  return after !== null ? Either.right(after) : Either.left(
    new StoreError({
      code: "validation.failed",
      detail: "The cursor is not a next_cursor this store returned",
      errors: [{ path: "cursor", message: "must be a next_cursor value from a previous page" }]
    })
  )
}
