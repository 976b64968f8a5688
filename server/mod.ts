/**
 * @module
 * The embedded HTTP server: the Hono app factory (mount it in any program)
 * and the pieces `flwd :serve` is built from.
 *
 * @example
 * ```ts
 * import { createApp, createEngine } from "flwd"
 *
 * const engine = await createEngine({ root: "examples/jobs" })
 * const app = createApp(engine, { tokens: "s3cret:jobs:read" })
 * const res = await app.request("/jobs", { headers: { authorization: "Bearer s3cret" } })
 * console.log(res.status) // 200
 * ```
 */
export { type AppOptions, createApp } from "./app.ts"
export { DEV_TOKEN, parseTokens, type Scope, scopes, type TokenGrant } from "./auth/tokens.ts"
export { HttpError, type ProblemDocument, toProblem } from "./problem.ts"
