/**
 * @module
 * Whether traces are exported, read from the standard OpenTelemetry
 * variables. Apart from `mod.ts` so that the SDK module (`otlp.ts`), which
 * `mod.ts` imports, can name the type without an import cycle.
 */

/** @since 0.1.0 @category models */
export interface TracingConfig {
  /** Where spans are POSTed (OTLP/HTTP, JSON): `…/v1/traces`. */
  readonly url: string
  /** The `service.name` resource attribute. */
  readonly serviceName: string
}

/**
 * The tracing configuration of `env`, or null when tracing is off:
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) wins over
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (a base, to which `/v1/traces` is added),
 * as the OpenTelemetry specification says; `OTEL_SERVICE_NAME` defaults to
 * `flwd`; `OTEL_SDK_DISABLED=true` turns it off.
 *
 * @since 0.1.0
 * @category constructors
 */
export function tracingConfig(env: Readonly<Record<string, string | undefined>>): TracingConfig | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return null
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
  const url = traces !== undefined && traces !== "" ? traces : base !== undefined && base !== "" ? `${base.replace(/\/+$/, "")}/v1/traces` : null
  if (url === null) return null
  const name = env.OTEL_SERVICE_NAME?.trim()
  return { url, serviceName: name !== undefined && name !== "" ? name : "flwd" }
}
