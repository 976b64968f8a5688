/**
 * @module
 * Turning a request into typed input: the JSON body (media type, size,
 * syntax) decoded with a Schema that rejects unknown fields, and query
 * parameters. Every failure is a problem with field-level `errors[]`.
 */
import type { Context } from "hono"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { fieldErrors, ValidationError } from "../core/mod.ts"
import type { AppEnv, AppSettings } from "./context.ts"
import { checkDepth } from "./json-depth.ts"
import { readBody } from "./middleware/body-limit.ts"
import { HttpError } from "./problem.ts"

/** Strict UTF-8; stateless between calls (no `stream` option), so one serves every request. */
const utf8 = new TextDecoder("utf-8", { fatal: true })

/** The settings a body is read under: its size and how long it may take. */
type BodyLimits = Pick<AppSettings, "bodyLimit" | "readTimeoutMs">

const isJsonType = (type: string | undefined): boolean => {
  if (type === undefined) return false
  const essence = type.split(";")[0].trim().toLowerCase()
  return essence === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(essence)
}

/**
 * Reads and parses a JSON body, nested at most `MAX_JSON_DEPTH` levels.
 * Parse errors never echo the body: it may hold secrets.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function readJson(c: Context<AppEnv>, limits: BodyLimits): Promise<unknown> {
  const type = c.req.header("content-type")
  const bytes = await readBody(c.req.raw, limits.bodyLimit, limits.readTimeoutMs)
  if (bytes.byteLength === 0 && type === undefined) {
    throw new HttpError("request.malformed", "This endpoint needs a JSON body (Content-Type: application/json)")
  }
  if (!isJsonType(type)) {
    throw new HttpError("request.unsupported.media.type", "The body must be JSON (Content-Type: application/json)", {
      headers: { "accept-post": "application/json" }
    })
  }
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new HttpError("request.malformed", "The body is not valid UTF-8")
  }
  if (text.trim() === "") throw new HttpError("request.malformed", "The body is empty; send a JSON object")
  let body: unknown
  try {
    body = JSON.parse(text) as unknown
  } catch {
    throw new HttpError("request.malformed", "The body is not valid JSON")
  }
  checkDepth(body)
  return body
}

/**
 * Decodes `input` with `schema`, rejecting fields the schema does not
 * declare and listing every failing path.
 *
 * @since 0.1.0
 * @category constructors
 */
export function decode<A, I>(schema: Schema.Schema<A, I>, input: unknown, what = "request body"): A {
  const result = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "all" })(input)
  if (Either.isLeft(result)) {
    throw new ValidationError({ code: "validation.failed", detail: `Invalid ${what}`, errors: fieldErrors(result.left) })
  }
  return result.right
}

/** Reads a JSON body and decodes it. */
export async function readBodyAs<A, I>(c: Context<AppEnv>, schema: Schema.Schema<A, I>, limits: BodyLimits): Promise<A> {
  return decode(schema, await readJson(c, limits))
}

/**
 * The event id a stream resumes after: `Last-Event-ID` (what EventSource
 * sends on reconnect) wins over `?after=`; undefined when neither is given.
 *
 * @since 0.1.0
 * @category constructors
 */
export function resumeAfter(c: Context<AppEnv>): number | undefined {
  const header = c.req.header("last-event-id")
  const query = c.req.query("after")
  const [raw, path] = header !== undefined && header.trim() !== "" ? [header.trim(), "Last-Event-ID"] : [query, "after"]
  if (raw === undefined || raw === "") return undefined
  if (!/^\d{1,15}$/.test(raw)) {
    throw new ValidationError({
      code: "validation.failed",
      detail: `${path} must be an event id`,
      errors: [{ path, message: "must be a non-negative integer" }]
    })
  }
  return Number(raw)
}
