/**
 * @module
 * The client of the flwd HTTP API: the `Engine` service over HTTP
 * (`layerRemote`), and a handle shaped like `createEngine`'s
 * (`createRemoteHandle`) that `flwd --remote URL` runs its commands on.
 *
 * @example
 * ```ts
 * import { Effect, Engine } from "flwd"
 * import { createRemoteHandle } from "./client/mod.ts"
 *
 * const engine = await createRemoteHandle({ url: "http://127.0.0.1:8080", token: "dev-token" })
 * const jobs = await engine.run(Effect.flatMap(Engine, (e) => e.jobs()))
 * await engine.dispose()
 * ```
 */
export { layerRemote, makeRemoteEngine, type RemoteOptions } from "./engine-remote.ts"
export { followEvents, type FollowOptions } from "./event-stream.ts"
export { type Http, type HttpOptions, makeHttp, parseBaseUrl } from "./http.ts"
export { fromProblem } from "./problem-error.ts"
export { RemoteError, type RemoteReason } from "./remote-error.ts"
export { createRemoteHandle } from "./remote-handle.ts"
