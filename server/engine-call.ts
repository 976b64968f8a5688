/**
 * @module
 * Calling the engine from a handler: one Effect against the `Engine`
 * façade, resolved as a promise that rejects with the engine's tagged error
 * (which the problem handler maps to its status).
 */
import { Effect, Engine } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"

/** The Engine service's methods. */
export type EngineApi = typeof Engine.Service

/** Runs `f` against the engine. */
export function call<A, E>(engine: EngineHandle, f: (engine: EngineApi) => Effect.Effect<A, E>): Promise<A> {
  return engine.run(Effect.flatMap(Engine, f))
}
