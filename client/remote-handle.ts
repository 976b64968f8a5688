/**
 * @module
 * A remote engine shaped like the in-process one (`createEngine`'s
 * handle), so a program that runs Effects against `Engine` — the CLI —
 * switches between the two by choosing a constructor.
 */
import type { EngineSettings } from "../core/mod.ts"
import { builtinPlugins } from "../engine/builtin-plugins.ts"
import type { EngineHandle } from "../engine/handle.ts"
import { openRuntime } from "../engine/open-runtime.ts"
import { layerRemote, type RemoteOptions } from "./engine-remote.ts"

/**
 * Connects to a server. Nothing is sent until the first call; a malformed
 * URL fails at once with `validation.failed`.
 *
 * `settings` describes the client, not the server: the API does not
 * expose the server's data directory, root or policy, so those are empty,
 * and `profile` is the one this client asks for (else `secure`); `plugins`
 * are the built-in ones.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Effect, Engine } from "flwd"
 * import { createRemoteHandle } from "./client/mod.ts"
 *
 * const engine = await createRemoteHandle({ url: "http://127.0.0.1:8080", token: process.env.FLWD_TOKEN })
 * const run = await engine.run(Effect.flatMap(Engine, (e) => e.run({ job: "hello-world", args: { name: "Alice" } })))
 * await engine.dispose()
 * ```
 */
export async function createRemoteHandle(options: RemoteOptions): Promise<EngineHandle> {
  const { runtime, run, dispose } = await openRuntime(layerRemote(options))
  const settings: EngineSettings = {
    dataDir: "",
    profile: options.profile ?? "secure",
    policy: {},
    allowedLocalRoots: [],
    maxConcurrentRuns: 0,
    defaultTimeoutMs: 0,
    killGraceMs: 0
  }
  // The API does not list the server's plugins: a client knows the built-in ones (their definitions only, nothing is built).
  return { runtime, run, settings, plugins: builtinPlugins, dispose }
}
