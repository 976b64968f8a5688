/**
 * @module
 * The server's one logger, so every line an operator reads (requests,
 * admission decisions, failures) goes through one place and one format:
 * `text` keeps the plain `flwd: …` lines of warnings and failures that
 * people read on a terminal; `json` writes one object a line, with every
 * level, for log shippers. Both write through a function, so tests and
 * embedders choose the sink.
 */
import { ValidationError } from "../core/mod.ts"

/** @since 0.1.0 @category models */
export type LogLevel = "info" | "warn" | "error"

/** @since 0.1.0 @category models */
export type LogFormat = "text" | "json"

/**
 * What a line is about, where known; written as snake_case JSON fields.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogFields {
  readonly request_id?: string
  readonly run_id?: string
  readonly source?: string
  readonly code?: string
  readonly [key: string]: string | number | boolean | null | undefined
}

/** @since 0.1.0 @category models */
export interface Logger {
  readonly log: (level: LogLevel, message: string, fields?: LogFields) => void
}

/** The formats `--log` accepts. */
export const LOG_FORMATS: ReadonlyArray<LogFormat> = ["text", "json"]

/**
 * Reads `--log`; absent is `text`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseLogFormat(text: string | undefined): LogFormat {
  if (text === undefined) return "text"
  if (text === "text" || text === "json") return text
  throw new ValidationError({
    code: "validation.failed",
    detail: `--log must be one of ${LOG_FORMATS.join(", ")}`,
    errors: [{ path: "--log", message: `must be one of ${LOG_FORMATS.join(", ")}` }]
  })
}

/**
 * A logger writing whole lines to `write`. In `text`, `info` lines (each
 * request, each allowed admission) are left out: a terminal shows only what
 * needs a look, as it always has.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * makeLogger("json", (line) => process.stderr.write(`${line}\n`)).log("warn", "slow", { run_id: "r1" })
 * // {"time":"…","level":"warn","message":"slow","run_id":"r1"}
 * ```
 */
export function makeLogger(format: LogFormat, write: (line: string) => void, now: () => Date = () => new Date()): Logger {
  if (format === "text") {
    return { log: (level, message) => void (level !== "info" && write(message)) }
  }
  return {
    log: (level, message, fields = {}) => {
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
      write(JSON.stringify({ time: now().toISOString(), level, message, ...defined }))
    }
  }
}
