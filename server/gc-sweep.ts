/**
 * @module
 * The periodic sweep of a long-running server: what `flwd :gc` does, on a
 * timer, so unpacked add-ons and blobs no source refers to any more do not
 * pile up between manual collections. A sweep during a pull removes nothing
 * (the collector sees the pull's marker and skips).
 */
import { Effect, Engine } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"

/** @since 0.1.0 @category models */
export interface SweepResult {
  readonly rootfs: ReadonlyArray<string>
  readonly blobs: ReadonlyArray<string>
  readonly freedBytes: number
  readonly skipped: string | null
}

/**
 * One collection over the engine's data directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function sweepOnce(engine: EngineHandle): Promise<SweepResult> {
  // The OCI library is imported here only: most servers sweep rarely.
  const { collectReferences, gcAddons } = await import("../plugins/sources/oci/mod.ts")
  const records = await engine.run(Effect.flatMap(Engine, (e) => e.sources()))
  const { dataDir } = engine.settings
  return Effect.runPromise(Effect.flatMap(collectReferences(dataDir, records), (refs) => gcAddons(dataDir, refs)))
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
      if (r.rootfs.length > 0 || r.blobs.length > 0) {
        log(`flwd: gc: removed ${r.rootfs.length} rootfs and ${r.blobs.length} blobs (${r.freedBytes} bytes)`)
      }
    }, (e: unknown) => log(`flwd: gc: ${e instanceof Error ? e.message : String(e)}`)).finally(() => {
      running = false
    })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
