/**
 * @module
 * The OpenTelemetry SDK behind `tracingLayer` (imported only when tracing
 * is configured): a Node tracer provider exporting batches over OTLP/HTTP,
 * registered globally so the server's request spans (made through
 * `@opentelemetry/api`) and the engine's Effect spans share one provider
 * and one context: an engine span started while a request span is active
 * becomes its child. Disposing the layer flushes what is still buffered.
 */
import * as OtelResource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { TracingConfig } from "./tracing-config.ts"

/**
 * @since 0.1.0
 * @category layers
 */
export function otlpTracing(config: TracingConfig): Layer.Layer<never> {
  const resource = OtelResource.layer({ serviceName: config.serviceName })
  const provider = Layer.scopedDiscard(
    Effect.acquireRelease(
      Effect.sync(() => {
        const p = new NodeTracerProvider({
          resource: resourceFromAttributes(OtelResource.configToAttributes({ serviceName: config.serviceName })),
          spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.url }))]
        })
        p.register()
        return p
      }),
      // A short wait at most: an unreachable collector must not hold up a shutdown.
      (p) => Effect.promise(() => p.forceFlush().then(() => p.shutdown())).pipe(Effect.ignore, Effect.timeoutOption(3000))
    )
  )
  return Layer.provide(OtelTracer.layerGlobal, resource).pipe(Layer.provide(provider), Layer.discard) as Layer.Layer<never>
}
