/**
 * @module
 * Calling the engine from a handler: one Effect against the `Engine`
 * façade, resolved as a promise that rejects with the engine's tagged error
 * (which the problem handler maps to its status).
 */
import { Effect, Engine } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"
import { tracingApi } from "./tracing-api.ts"

/** The Engine service's methods. */
export type EngineApi = typeof Engine.Service

/**
 * Runs `f` against the engine. When no tracer provider is registered (no
 * trace is exported), the engine's spans are not made at all: each one
 * costs a clock read, a stack capture and fiber-ref updates, about a third
 * of a plan's time, for nothing anyone can see.
 */
export function call<A, E>(engine: EngineHandle, f: (engine: EngineApi) => Effect.Effect<A, E>): Promise<A> {
  const effect = Effect.flatMap(Engine, f)
  return engine.run(tracingApi() === undefined ? Effect.withTracerEnabled(effect, false) : effect)
}
