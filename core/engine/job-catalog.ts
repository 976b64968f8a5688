/**
 * @module
 * The JobCatalog: every job of every ready source under the id it is
 * exposed as (`<source>/<job>`, bare for the root tree), rebuilt only when
 * the registry changes. The jobs it hands out are public (`publicJob`): a
 * secret's default shows as `***`; only `argSpec` gives the defined one.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { type EngineError, JobError } from "../domain/errors.ts"
import type { ArgSpec } from "../domain/argspec.ts"
import type { Diagnostic, Job } from "../domain/job.ts"
import { DEFAULT_SOURCE } from "../domain/source.ts"
import { suggest } from "../text/mod.ts"
import { publicJob } from "./public-view.ts"
import { SourceRegistry } from "./source-registry.ts"

/** @since 0.1.0 @category models */
export interface SourcedDiagnostic extends Diagnostic {
  readonly source: string
}

interface Snapshot {
  readonly version: number
  readonly jobs: ReadonlyArray<Job>
  readonly byId: ReadonlyMap<string, Job>
  readonly diagnostics: ReadonlyArray<SourcedDiagnostic>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class JobCatalog extends Context.Tag("flwd/engine/JobCatalog")<JobCatalog, {
  readonly list: Effect.Effect<ReadonlyArray<Job>>
  /** Finds a job by exposed id, or by local id within `source`; suggests near ids when none matches. */
  readonly get: (id: string, source?: string) => Effect.Effect<Job, EngineError>
  readonly diagnostics: Effect.Effect<ReadonlyArray<SourcedDiagnostic>>
  /**
   * The argspec of a job of this catalogue as its source defined it, secret
   * defaults included: for validating a request and binding the defaults
   * (the Planner), never for showing.
   */
  readonly argSpec: (job: Job) => ArgSpec
}>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<JobCatalog, never, SourceRegistry> = Layer.effect(
  JobCatalog,
  Effect.gen(function* () {
    const registry = yield* SourceRegistry
    const cache = yield* Ref.make<Snapshot | null>(null)
    // Keyed by the public job, so a job of a replaced snapshot still finds its own spec.
    const defined = new WeakMap<Job, ArgSpec>()

    const build = (version: number) =>
      Effect.gen(function* () {
        const jobs: Array<Job> = []
        const byId = new Map<string, Job>()
        const diagnostics: Array<SourcedDiagnostic> = []
        for (const entry of yield* registry.entries) {
          const source = entry.record.name
          for (const d of entry.loaded?.diagnostics ?? []) diagnostics.push({ ...d, source })
          for (const definition of entry.loaded?.jobs ?? []) {
            const id = source === DEFAULT_SOURCE ? definition.id : `${source}/${definition.id}`
            const job: Job = publicJob({
              ...definition,
              id,
              local_id: definition.id,
              source,
              executor: entry.loaded?.executor ?? definition.executor
            })
            defined.set(job, definition.argspec)
            const clash = byId.get(id)
            if (clash !== undefined) {
              // The first registration keeps the id; the clash is reported, never silently dropped.
              diagnostics.push({
                source,
                level: "error",
                code: "discovery.collision",
                path: definition.dir,
                message: `job id "${id}" of source ${source} is already taken by source ${clash.source} (${clash.dir})`
              })
              continue
            }
            byId.set(id, job)
            jobs.push(job)
          }
        }
        jobs.sort((a, b) => a.id.localeCompare(b.id))
        const snapshot: Snapshot = { version, jobs, byId, diagnostics }
        yield* Ref.set(cache, snapshot)
        return snapshot
      })

    const current = Effect.gen(function* () {
      const version = yield* registry.version
      const cached = yield* Ref.get(cache)
      return cached !== null && cached.version === version ? cached : yield* build(version)
    })

    const get = (id: string, source?: string) =>
      Effect.gen(function* () {
        const snapshot = yield* current
        const found = source === undefined || source === DEFAULT_SOURCE && !id.includes("/")
          ? snapshot.byId.get(id)
          : snapshot.byId.get(id.startsWith(`${source}/`) ? id : `${source}/${id}`)
        if (found !== undefined && (source === undefined || found.source === source)) return found
        const near = suggest(id, snapshot.jobs.map((j) => j.id))
        return yield* new JobError({
          code: "job.not.found",
          detail: `No job "${id}"${source !== undefined ? ` in source ${source}` : ""}` +
            (near.length > 0 ? `; did you mean ${near.map((n) => `"${n}"`).join(", ")}?` : ""),
          errors: [{ path: "job", message: "no such job" }]
        })
      })

    return {
      list: Effect.map(current, (s) => s.jobs),
      get,
      diagnostics: Effect.map(current, (s) => s.diagnostics),
      argSpec: (job) => defined.get(job) ?? job.argspec
    }
  })
)
