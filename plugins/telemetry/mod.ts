/**
 * @module
 * Whether traces are exported, read from the standard OpenTelemetry
 * variables, and the engine's tracing layer. Off unless an endpoint is
 * configured; when off, nothing of the OpenTelemetry SDK is loaded (the
 * `Effect.withSpan` points of the engine stay cheap no-ops), so no command
 * pays for tracing it does not use.
 */
import * as Layer from "effect/Layer"
import { tracingConfig } from "./tracing-config.ts"

export { type TracingConfig, tracingConfig } from "./tracing-config.ts"

/**
 * The layer that exports the engine's spans when `env` configures tracing,
 * else an empty layer; the SDK is imported only in the first case.
 *
 * @since 0.1.0
 * @category layers
 */
export async function tracingLayer(env: Readonly<Record<string, string | undefined>>): Promise<Layer.Layer<never>> {
  const config = tracingConfig(env)
  if (config === null) return Layer.empty
  const { otlpTracing } = await import("./otlp.ts")
  return otlpTracing(config)
}
