/**
 * @module
 * Calling the engine from a command: one Effect against the `Engine`
 * service, resolved as a promise that rejects with the engine's own tagged
 * error (which `printProblem` renders).
 */
import { Effect, Engine } from "../../core/mod.ts"
import type { CommandContext } from "../context.ts"

/** The Engine service's methods. */
export type EngineApi = typeof Engine.Service

/** Runs `f` against the engine of this invocation. */
export async function call<A, E>(ctx: CommandContext, f: (engine: EngineApi) => Effect.Effect<A, E>): Promise<A> {
  const handle = await ctx.engine()
  return handle.run(Effect.flatMap(Engine, f))
}
