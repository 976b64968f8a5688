/**
 * @module
 * Store signals over LISTEN/NOTIFY. Each is sent with `pg_notify` inside
 * the transaction whose change it announces, so it is delivered when, and
 * only if, that change commits. Payloads are tiny (a letter and at most an
 * id) and read defensively: anything this code did not write is taken as
 * `Resync`, never trusted.
 */
import type { StoreSignal } from "../../../core/mod.ts"
import type { Sql, Tx } from "./_client.ts"

/** Run ids are short; a longer payload is not one of ours. */
const MAX_PAYLOAD = 512

/** The channel of the store in `schema`: one per schema, so stores in one database keep apart. */
export function channelOf(schema: string): string {
  // A schema name is at most 63 characters, the limit of a channel name too.
  return schema
}

/** The payload of `signal`. */
export function encode(signal: StoreSignal): string {
  switch (signal._tag) {
    case "Events":
      return `e${signal.latest}`
    case "Runs":
      return "r"
    case "Cancel":
      return `c${signal.run_id}`
    case "Sources":
      return "s"
    case "Resync":
      return "x"
  }
}

/** The signal a payload stands for; `Resync` for anything else. */
export function decode(payload: unknown): StoreSignal {
  const resync: StoreSignal = { _tag: "Resync" }
  if (typeof payload !== "string" || payload.length === 0 || payload.length > MAX_PAYLOAD) return resync
  const rest = payload.slice(1)
  switch (payload[0]) {
    case "e":
      return /^[0-9]{1,16}$/.test(rest) ? { _tag: "Events", latest: Number(rest) } : resync
    case "r":
      return rest === "" ? { _tag: "Runs" } : resync
    case "c":
      return rest !== "" ? { _tag: "Cancel", run_id: rest } : resync
    case "s":
      return rest === "" ? { _tag: "Sources" } : resync
    default:
      return resync
  }
}

/** Sends `signal` on `channel` when the caller's transaction commits (at once outside one). */
export function notify(tx: Sql | Tx, channel: string, signal: StoreSignal): Promise<unknown> {
  return tx`SELECT pg_notify(${channel}, ${encode(signal)})`
}
