/**
 * The no-progress watchdog counts work, not reports: a plugin call that
 * keeps reporting without any counter growing (a timer heartbeat) is
 * abandoned with `source.plugin.failed` once the plugin timeout passes,
 * while one whose `bytes` keep growing runs past that timeout to the end.
 */
import t from "tap"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { defineSourcePlugin, Schema, sourceSpec } from "../../../mod.ts"
import { call, rejection, startEngine, tempDir } from "../../helpers/engine.ts"

const TIMEOUT_MS = 3000

function ticking(dir: string) {
  return defineSourcePlugin({
    type: "ticking",
    spec: sourceSpec("ticking", { grow: Schema.Boolean }),
    make: Effect.succeed({
      load: (spec: { readonly grow: boolean }, _pin: null, ctx: { readonly progress: (p: Record<string, unknown>) => Effect.Effect<void> }) =>
        Effect.gen(function* () {
          // Growing: 2.5 plugin timeouts of work, one report every tenth of it. Not growing: forever.
          for (let i = 1; !spec.grow || i <= 25; i++) {
            yield* ctx.progress(spec.grow ? { bytes: i * 1024, phase: "pulling" } : { phase: "still working" })
            yield* Effect.sleep(TIMEOUT_MS / 10)
          }
          return { root: dir, jobs: [], diagnostics: [], provenance: { done: true } }
        })
    })
  })
}

t.test("reports without growing counters do not keep a call alive; growing ones do", async (t) => {
  const dir = tempDir(t)
  const engine = await startEngine(t, {
    dataDir: join(dir, "data"),
    root: join(dir, "none"),
    config: false,
    pluginTimeoutMs: TIMEOUT_MS,
    plugins: { sources: [ticking(dir)] }
  })
  // Side by side: the growing call outlives the timeout by the time the heartbeat's is waited out.
  const [hung, added] = await Promise.all([
    rejection(call(engine, (e) => e.addSource({ type: "ticking", name: "heartbeat", grow: false }))),
    call(engine, (e) => e.addSource({ type: "ticking", name: "pull", grow: true }))
  ])
  t.match(hung, { code: "source.plugin.failed", detail: /neither finished nor reported progress within 3s/ })
  t.same(added.source.provenance, { done: true }, "a call whose bytes keep growing outlives the timeout")
})
