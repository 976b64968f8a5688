/**
 * @module
 * A span only when something traces. `Effect.withSpan` costs even with the
 * tracer disabled: a stack capture when the effect is built, then a no-op
 * span, a context update and an exit hook when it runs — a fifth of a
 * plan's time for a span nobody receives. The entrypoints disable the
 * tracer when no trace is exported; then the effect runs as it is.
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"

/**
 * `self` in a span named `name` when the fiber's tracer is enabled;
 * `attributes` is called only then.
 */
export function traced(name: string, attributes?: () => Record<string, unknown>) {
  return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(
      FiberRef.get(FiberRef.currentTracerEnabled),
      (enabled) => enabled ? Effect.withSpan(self, name, attributes === undefined ? {} : { attributes: attributes() }) : self
    )
}
