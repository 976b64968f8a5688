/**
 * @module
 * Rows back into records: each stored JSON document is decoded with its
 * Schema (`SourceRecord`, `Run`), never cast, so a row a bug or another
 * program wrote wrongly fails as `store.failed` naming the row instead of
 * travelling on as a malformed value. A source's pin has a column of its
 * own (the plugin's encoded pin, JSON), kept beside the record.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Run, SourceRecord } from "../../../core/mod.ts"
import type { IdempotencyRecord } from "../../../core/mod.ts"
import type { Row } from "./_database.ts"

const decodeSource = Schema.decodeUnknownEither(Schema.parseJson(SourceRecord))
const decodeRun = Schema.decodeUnknownEither(Schema.parseJson(Run))
const decodePin = Schema.decodeUnknownEither(Schema.parseJson(Schema.Unknown))

function orThrow<A>(what: string, result: Either.Either<A, ParseResult.ParseError>): A {
  if (Either.isRight(result)) return result.right
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
  const first = issues[0]
  throw new Error(`${what} does not decode: ${first === undefined ? "malformed" : `${first.path.join(".") || "(root)"} ${first.message}`}`)
}

/** A source row (`record`, `pin`) as its record. */
export function sourceOf(row: Row): SourceRecord {
  const record = orThrow(`source row ${String(row.name ?? "")}`.trim(), decodeSource(row.record))
  if (row.pin === null || row.pin === undefined) return record
  return { ...record, pin: orThrow(`the pin of source ${record.name}`, decodePin(row.pin)) }
}

/** A source record as its row's `record` and `pin` columns. */
export function sourceColumns(source: SourceRecord): { readonly record: string; readonly pin: string | null } {
  const { pin, ...rest } = source
  return { record: JSON.stringify(rest), pin: pin === undefined ? null : JSON.stringify(pin) }
}

/** A run row (`record`) as its run. */
export function runOf(row: Row): Run {
  return orThrow(`run row ${String(row.id ?? "")}`.trim(), decodeRun(row.record))
}

const decodeIdempotency = Schema.decodeUnknownEither(
  Schema.Struct({ key: Schema.String, request_hash: Schema.String, run_id: Schema.String, created_at: Schema.String })
)

/** An idempotency row as its record. */
export function idempotencyOf(row: Row): IdempotencyRecord {
  const { key, request_hash, run_id, created_at } = orThrow(`idempotency row ${String(row.key ?? "")}`.trim(), decodeIdempotency(row))
  return { key, request_hash, run_id, created_at }
}
