/**
 * @module
 * Garbage collection over every plugin's `gc` hook: what `flwd :gc` runs
 * once and a long-running server runs on a timer, so what plugins keep in
 * the data directory (pulled add-ons, blobs) that no source refers to does
 * not pile up. Neither knows which plugins collect: each hook is handed
 * the engine's source records and the keys any engine sharing the store
 * holds a lease on, and removes what none of them names (a hook that finds
 * a pull in progress removes nothing).
 */
import * as Effect from "effect/Effect"
import { Engine, type GcReport, type PluginError } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"
import { layerPlatform } from "../engine/platform.ts"

/** One plugin's collection. @since 0.2.0 @category models */
export interface PluginGc {
  /** The plugin's kind (`oci`, a source type). */
  readonly plugin: string
  readonly report: GcReport
}

/** @since 0.1.0 @category models */
export interface SweepResult {
  readonly plugins: ReadonlyArray<PluginGc>
  /** Entries removed by all plugins. */
  readonly removed: number
  readonly freedBytes: number
}

/**
 * Runs every plugin's `gc` hook over the engine's data directory, in the
 * order the plugins were given; the first failure fails the collection.
 *
 * @since 0.2.0
 * @category constructors
 */
export async function collectGarbage(engine: EngineHandle, options: { readonly dryRun?: boolean } = {}): Promise<SweepResult> {
  // Leases first, records second: work that leases before it writes and lets go only once its
  // record is stored is either still leased at the first read or stored before the second.
  const leases = engine.heldLeases === undefined ? [] : await engine.heldLeases()
  const sources = await engine.run(Effect.flatMap(Engine, (e) => e.sources()))
  const { plugins, settings } = engine
  const hooks = [
    ...plugins.sources.map((p) => ({ plugin: p.type, gc: p.gc })),
    ...plugins.executors.map((p) => ({ plugin: p.kind, gc: p.gc })),
    ...plugins.profiles.map((p) => ({ plugin: p.name, gc: p.gc }))
  ]
  const ctx = { dataDir: settings.dataDir, sources, leases, dryRun: options.dryRun === true }
  const reports = await Effect.runPromise(
    Effect.forEach(
      hooks.flatMap(({ plugin, gc }) => (gc === undefined ? [] : [{ plugin, gc }])),
      ({ plugin, gc }): Effect.Effect<PluginGc, PluginError, never> => Effect.map(Effect.provide(gc(ctx), layerPlatform), (report) => ({ plugin, report }))
    )
  )
  return {
    plugins: reports,
    removed: reports.reduce((n, r) => n + r.report.removed, 0),
    freedBytes: reports.reduce((n, r) => n + r.report.bytes, 0)
  }
}

/**
 * One collection over the engine's data directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export function sweepOnce(engine: EngineHandle): Promise<SweepResult> {
  return collectGarbage(engine)
}

/** A plugin's one-line account of a collection: its own `summary`, else counts. */
export function describeGc({ plugin, report }: PluginGc): string {
  const summary = report.details?.summary
  return typeof summary === "string" ? summary : `${plugin}: removed ${report.removed}`
}

/**
 * Sweeps every `intervalMs` until the returned function is called; 0
 * disables it. The timer never keeps the process alive.
 *
 * @since 0.1.0
 * @category constructors
 */
export function startGcSweep(engine: EngineHandle, intervalMs: number, log: (line: string) => void): () => void {
  if (intervalMs <= 0) return () => undefined
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    sweepOnce(engine).then((r) => {
      for (const p of r.plugins) {
        if (p.report.removed > 0) log(`flwd: gc: ${describeGc(p)} (${p.report.bytes} bytes)`)
      }
    }, (e: unknown) => log(`flwd: gc: ${e instanceof Error ? e.message : String(e)}`)).finally(() => {
      running = false
    })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
