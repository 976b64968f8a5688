/**
 * @module
 * A Layer made into something a Promise-based program holds: a Runtime to
 * run Effects with, and a `dispose` that closes the Scope the layer was
 * built in (finalizers run: the store closes, plugins release what they
 * opened). Used by `createEngine` and the remote client's handle; the CLI
 * and the server, which are Effect programs, may use `ManagedRuntime`.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"

/**
 * A built layer.
 *
 * @since 0.2.0
 * @category models
 */
export interface OpenRuntime<R> {
  readonly runtime: Runtime.Runtime<R>
  /** Runs an Effect; rejects with the original tagged error (the squashed cause). */
  readonly run: <A, E>(effect: Effect.Effect<A, E, R>) => Promise<A>
  /** Closes the layer's Scope; later calls wait for the first. */
  readonly dispose: () => Promise<void>
}

/**
 * Builds `layer` in a new Scope. Rejects with the layer's error (its Scope
 * closed first, so nothing it acquired stays open).
 *
 * @since 0.2.0
 * @category constructors
 */
export async function openRuntime<R, E>(layer: Layer.Layer<R, E>): Promise<OpenRuntime<R>> {
  const scope = Effect.runSync(Scope.make())
  const built = await Effect.runPromiseExit(Scope.extend(Layer.toRuntime(layer), scope))
  if (Exit.isFailure(built)) {
    await Effect.runPromise(Scope.close(scope, built))
    throw Cause.squash(built.cause)
  }
  const runtime = built.value
  const runPromiseExit = Runtime.runPromiseExit(runtime)
  let disposed: Promise<void> | undefined
  return {
    runtime,
    run: async (effect) => {
      const exit = await runPromiseExit(effect)
      if (Exit.isSuccess(exit)) return exit.value
      throw Cause.squash(exit.cause)
    },
    dispose: () => (disposed ??= Effect.runPromise(Scope.close(scope, Exit.void)))
  }
}
