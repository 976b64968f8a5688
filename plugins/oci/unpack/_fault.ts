/**
 * @module
 * The unpacker's own failure, free of Effect: the unpack modules also run
 * in a worker thread whose import graph must stay small (the library's
 * `UnpackError` is a `Data.TaggedError` and `errors.ts` loads the core
 * barrel, ~400 ms and ~70 MB of modules). `unpackImage` turns a fault into
 * the `UnpackError` with the same fields before anyone sees it; a fault
 * crosses from the worker as plain data (`toFaultData`).
 */
import type { UnpackErrorReason } from "../errors.ts"

/** What identifies a fault, as it crosses a thread. */
export interface FaultData {
  readonly reason: UnpackErrorReason
  readonly detail: string
  readonly layer?: string
  readonly entry?: string
}

/** A layer that cannot be unpacked safely, or an I/O failure while unpacking. */
export class UnpackFault extends Error {
  readonly reason: UnpackErrorReason
  readonly detail: string
  readonly layer: string | undefined
  readonly entry: string | undefined
  constructor(data: FaultData & { readonly cause?: unknown }) {
    super(`${data.reason}: ${data.detail}`, data.cause === undefined ? undefined : { cause: data.cause })
    this.reason = data.reason
    this.detail = data.detail
    this.layer = data.layer
    this.entry = data.entry
  }
}

/** The fields of a fault, without its cause (a cause may not survive `postMessage`). */
export function toFaultData(f: UnpackFault): FaultData {
  return { reason: f.reason, detail: f.detail, layer: f.layer, entry: f.entry }
}

/** Node's system error code of a caught value (`ENOENT`, `Z_DATA_ERROR`, …). */
export function errnoOf(u: unknown): string | undefined {
  return typeof u === "object" && u !== null && "code" in u && typeof u.code === "string" ? u.code : undefined
}

/** The message of a caught value. */
export function textOf(u: unknown): string {
  if (u instanceof Error) return u.message
  return String(u)
}
