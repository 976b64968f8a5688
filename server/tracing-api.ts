/**
 * @module
 * The OpenTelemetry API for the request spans, only once a tracer provider
 * is registered. Without one (tracing is off unless configured, see
 * `plugins/telemetry`) every span the API makes is a no-op, so a server
 * that does not trace neither loads the API's ~50 modules nor pays for a
 * no-op span on every request.
 */
import type * as OtelApi from "@opentelemetry/api"

// Where the API keeps what `register()` installs (its `global-utils`): one
// slot per API major version, shared by every copy of the package.
const GLOBAL = Symbol.for("opentelemetry.js.api.1")

let api: Promise<typeof OtelApi> | undefined

/**
 * The API when a tracer provider is registered, else undefined. Checked per
 * request, so a provider registered after the app was built is honoured.
 */
export function tracingApi(): Promise<typeof OtelApi> | undefined {
  const registered = (globalThis as { [GLOBAL]?: { trace?: unknown } })[GLOBAL]?.trace !== undefined
  if (!registered) return undefined
  return api ??= import("@opentelemetry/api")
}
