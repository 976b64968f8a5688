/**
 * @module
 * The SourceRegistry: loads sources through their plugins, persists their
 * records, and swaps a source's state only once its new version is fully
 * loaded, so a failing refresh keeps the old jobs serving.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { SourceError, type EngineError } from "../domain/errors.ts"
import { DEFAULT_SOURCE, type SourceRecord, type SourceSpec } from "../domain/source.ts"
import type { LoadedSource, SourceContext, SourcePlugin } from "../plugin.ts"
import { checkLoaded, DEFAULT_PLUGIN_TIMEOUT_MS, withIdleTimeout } from "./_plugin-guard.ts"
import { decodeSpec } from "./_spec.ts"
import { EngineConfig } from "./config.ts"
import { EventBus } from "./event-bus.ts"
import { Plugins } from "./plugins.ts"
import { PolicyEngine } from "./policy-engine.ts"
import { Store } from "./store.ts"

/** What was done to a source when it failed, in `source.failed` events. */
type SourceOperation = "add" | "refresh" | "remove" | "restore" | "beforeUse"

/** A source as held in memory: its record, decoded spec, plugin and loaded tree. */
export interface SourceEntry {
  readonly record: SourceRecord
  readonly spec: SourceSpec
  readonly plugin: SourcePlugin<any> | null
  readonly loaded: LoadedSource | null
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SourceRegistry extends Context.Tag("flwd/engine/SourceRegistry")<SourceRegistry, {
  /** Every source, the root tree (`default`) first. */
  readonly entries: Effect.Effect<ReadonlyArray<SourceEntry>>
  /** Bumped on every change, so derived views know when to rebuild. */
  readonly version: Effect.Effect<number>
  readonly add: (input: unknown) => Effect.Effect<{ readonly record: SourceRecord; readonly created: boolean }, EngineError>
  readonly remove: (name: string) => Effect.Effect<void, EngineError>
  readonly refresh: (name: string) => Effect.Effect<SourceRecord, EngineError>
  /** Lets the source's pull policy re-resolve before one of its jobs is used. */
  readonly beforeUse: (name: string) => Effect.Effect<void, EngineError>
}>() {}

/** @since 0.1.0 @category models */
export interface RegistryOptions {
  /** Loads the root job tree (`--root`); absent: no root jobs. */
  readonly loadRoot?: Effect.Effect<LoadedSource, SourceError>
  /**
   * How long a plugin call (`load`, `restore`, `beforeUse`) may go without
   * finishing or reporting progress before its source fails with
   * `source.plugin.failed`. Default 30 000 ms.
   */
  readonly pluginTimeoutMs?: number
}

const now = () => new Date().toISOString()

const recordOf = (
  spec: SourceSpec,
  plugin: SourcePlugin<any>,
  loaded: LoadedSource,
  created: string
): SourceRecord => ({
  name: spec.name,
  type: plugin.type,
  spec: redacted(plugin, spec),
  status: "ready",
  provenance: { ...loaded.provenance },
  error: null,
  job_count: loaded.jobs.length,
  diagnostics: [...loaded.diagnostics],
  created_at: created,
  updated_at: now()
})

// A redact that throws must not leak the spec it failed on: keep only the envelope.
function redacted(plugin: SourcePlugin<any>, spec: SourceSpec): Record<string, unknown> {
  try {
    return { ...(plugin.redact ? plugin.redact(spec) : spec) }
  } catch {
    return { type: spec.type, name: spec.name }
  }
}

const failure = (name: string, cause: unknown): SourceError =>
  cause instanceof SourceError ? cause : new SourceError({
    code: "source.plugin.failed",
    detail: `Source ${name}: the plugin failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/**
 * @since 0.1.0
 * @category layers
 */
export function layer(
  options: RegistryOptions = {}
): Layer.Layer<SourceRegistry, never, Store | EventBus | Plugins | PolicyEngine | EngineConfig> {
  return Layer.effect(SourceRegistry, make(options))
}

const make = (options: RegistryOptions) =>
  Effect.gen(function*() {
    const store = yield* Store
    const bus = yield* EventBus
    const plugins = yield* Plugins
    const policy = yield* PolicyEngine
    const config = yield* EngineConfig
    const state = yield* Ref.make(new Map<string, SourceEntry>())
    const version = yield* Ref.make(0)
    const lock = yield* Effect.makeSemaphore(1)
    // When each source last reported progress: a pull that keeps reporting is not hung.
    const activity = new Map<string, number>()
    const timeoutMs = options.pluginTimeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS

    const context = (name: string): SourceContext => ({
      name,
      dataDir: config.dataDir,
      profile: policy.defaultProfile,
      policy: config.policy,
      ...(config.policyDir !== undefined ? { policyDir: config.policyDir } : {}),
      ...(config.policyFile !== undefined ? { policyFile: config.policyFile } : {}),
      allowedLocalRoots: config.allowedLocalRoots,
      progress: (data) =>
        Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void activity.set(name, t))).pipe(
          Effect.zipRight(bus.publish([{ run_id: null, type: "source.pulled", at: now(), data: { name, ...data } }])),
          Effect.asVoid,
          Effect.orDie
        ),
      // The source a decision was made for is journaled with it: its subject is an image or a host.
      decide: (decision) => policy.record({ ...decision, source: name })
    })

    const emit = (type: "source.added" | "source.updated" | "source.removed" | "source.failed", data: Record<string, unknown>) =>
      bus.publish([{ run_id: null, type, at: now(), data }]).pipe(Effect.asVoid, Effect.orDie)

    // Every failed operation on a source is journaled, so a server's log, metrics and event
    // stream show it, whoever asked (an HTTP client, a local CLI on the same data directory).
    const failed = (operation: SourceOperation, name: string, type: string) => (e: { readonly code: string; readonly detail: string }) =>
      emit("source.failed", { name, type, operation, code: e.code, detail: e.detail })

    const put = (entry: SourceEntry) =>
      Ref.update(state, (m) => new Map(m).set(entry.record.name, entry)).pipe(Effect.zipRight(Ref.update(version, (v) => v + 1)))

    // Runs a plugin call, turning throws (also from building the Effect), defects, hangs and
    // wrong errors into source.plugin.failed.
    const guard = <A>(name: string, call: () => Effect.Effect<A, SourceError>) =>
      withIdleTimeout(name, Effect.suspend(call), timeoutMs, () => activity.get(name) ?? 0).pipe(
        Effect.catchAllDefect((d) => Effect.fail(failure(name, d))),
        Effect.mapError((e) => failure(name, e))
      )
    // A plugin call that yields a tree: what it returns is checked before the engine trusts it.
    const guardLoad = (name: string, call: () => Effect.Effect<LoadedSource, SourceError>) =>
      guard(name, () => Effect.flatMap(call(), (loaded) => checkLoaded(name, loaded)))

    // The root tree, never persisted.
    if (options.loadRoot !== undefined) {
      const rootSpec: SourceSpec = { type: "local", name: DEFAULT_SOURCE, path: config.root }
      const loaded = yield* guardLoad(DEFAULT_SOURCE, () => options.loadRoot!).pipe(Effect.either)
      const at = now()
      yield* put(loaded._tag === "Right"
        ? { record: recordOf(rootSpec, { type: "local" } as SourcePlugin<any>, loaded.right, at), spec: rootSpec, plugin: null, loaded: loaded.right }
        : {
          record: failedRecord(rootSpec, "local", loaded.left, at),
          spec: rootSpec,
          plugin: null,
          loaded: null
        })
    }

    // Persisted sources come back; one that fails to load is kept as failed.
    const stored = yield* store.listSources().pipe(Effect.orDie)
    yield* Effect.forEach(stored, (record) =>
      Effect.gen(function*() {
        const found = yield* plugins.source(record.type).pipe(Effect.either)
        const plugin = found._tag === "Right" ? found.right ?? null : null
        const spec = { ...record.spec, type: record.type, name: record.name } as SourceSpec
        if (plugin === null) {
          const error = found._tag === "Left"
            ? { code: found.left.code, detail: found.left.detail }
            : { code: "source.type.unknown", detail: `No plugin for type ${record.type}` }
          yield* put({ record: { ...record, status: "failed", error }, spec, plugin, loaded: null })
          yield* failed("restore", record.name, record.type)(error)
          return
        }
        const loaded = yield* guardLoad(record.name, () => (plugin.restore ?? plugin.load)(spec, context(record.name))).pipe(Effect.either)
        if (loaded._tag === "Right") {
          yield* put({ record: { ...recordOf(spec, plugin, loaded.right, record.created_at) }, spec, plugin, loaded: loaded.right })
        } else {
          yield* put({ record: failedRecord(spec, plugin.type, loaded.left, record.created_at), spec, plugin, loaded: null })
          yield* failed("restore", record.name, plugin.type)(loaded.left)
        }
      }), { concurrency: 4, discard: true })

    // Lets the plugin free what `entry` holds; its failures never fail the caller.
    const release = (entry: SourceEntry, ctx: SourceContext) =>
      Effect.suspend(() => entry.plugin!.remove!(entry.spec, ctx, entry.loaded ?? undefined)).pipe(Effect.catchAllCause(() => Effect.void))

    const find = (name: string) =>
      Ref.get(state).pipe(
        Effect.flatMap((m) => {
          const entry = m.get(name)
          return entry === undefined
            ? Effect.fail(new SourceError({ code: "source.not.found", detail: `No source named "${name}"` }))
            : Effect.succeed(entry)
        })
      )

    const add = (input: unknown) =>
      Effect.gen(function*() {
        // A request that does not decode never became a source operation: the caller gets the problem.
        const { spec, plugin } = yield* decodeSpec(input, plugins.source, plugins.sourceTypes)
        return yield* load(spec, plugin).pipe(Effect.tapError(failed("add", spec.name, plugin.type)))
      }).pipe(Effect.withSpan("source.add"))

    const load = (spec: SourceSpec, plugin: SourcePlugin<any>) =>
      Effect.gen(function*() {
        if (plugin.type !== "local" && policy.defaultProfile.admitSource !== undefined) {
          const decision = policy.defaultProfile.admitSource(spec, config.policy)
          yield* policy.record({ ...decision, source: spec.name })
          if (decision.decision === "deny") {
            return yield* new SourceError({ code: "source.not.allowed", detail: decision.reason })
          }
        }
        const loaded = yield* guardLoad(spec.name, () => plugin.load(spec, context(spec.name)))
        return yield* lock.withPermits(1)(Effect.gen(function*() {
          const previous = (yield* Ref.get(state)).get(spec.name)
          const record = recordOf(spec, plugin, loaded, previous?.record.created_at ?? now())
          yield* store.putSource(record)
          yield* put({ record, spec, plugin, loaded })
          yield* emit(previous ? "source.updated" : "source.added", { name: record.name, type: record.type, job_count: record.job_count })
          if (previous?.plugin?.remove && previous.loaded !== null) {
            yield* release(previous, context(spec.name))
          }
          return { record, created: previous === undefined }
        }))
      })

    const remove = (name: string) =>
      lock.withPermits(1)(Effect.gen(function*() {
        if (name === DEFAULT_SOURCE) {
          return yield* new SourceError({ code: "source.name.reserved", detail: "The root job tree cannot be removed" })
        }
        const entry = yield* find(name)
        yield* store.removeSource(name).pipe(Effect.tapError(failed("remove", name, entry.record.type)))
        yield* Ref.update(state, (m) => {
          const next = new Map(m)
          next.delete(name)
          return next
        })
        yield* Ref.update(version, (v) => v + 1)
        if (entry.plugin?.remove) yield* release(entry, context(name))
        yield* emit("source.removed", { name })
      }))

    const refresh = (name: string) =>
      Effect.flatMap(find(name), (entry) => reload(entry).pipe(Effect.tapError(failed("refresh", name, entry.record.type))))

    const reload = (entry: SourceEntry) =>
      Effect.gen(function*() {
        const name = entry.record.name
        if (entry.plugin === null) {
          if (name === DEFAULT_SOURCE && options.loadRoot !== undefined) {
            const loaded = yield* guardLoad(name, () => options.loadRoot!)
            const record = recordOf(entry.spec, { type: "local" } as SourcePlugin<any>, loaded, entry.record.created_at)
            yield* put({ ...entry, record, loaded })
            return record
          }
          return entry.record
        }
        const loaded = yield* guardLoad(name, () => entry.plugin!.load(entry.spec, context(name)))
        const record = recordOf(entry.spec, entry.plugin, loaded, entry.record.created_at)
        yield* lock.withPermits(1)(store.putSource(record).pipe(Effect.zipRight(put({ ...entry, record, loaded }))))
        yield* emit("source.updated", { name, type: record.type, job_count: record.job_count })
        return record
      })

    const beforeUse = (name: string) =>
      Effect.gen(function*() {
        const entry = yield* find(name)
        if (entry.plugin?.beforeUse === undefined || entry.loaded === null) return
        const next = yield* guard(name, () =>
          Effect.flatMap(entry.plugin!.beforeUse!(entry.spec, entry.loaded!, context(name)), (n) => n === null ? Effect.succeed(null) : checkLoaded(name, n))).pipe(
            Effect.tapError(failed("beforeUse", name, entry.record.type))
          )
        if (next === null) return
        const record = recordOf(entry.spec, entry.plugin, next, entry.record.created_at)
        yield* lock.withPermits(1)(store.putSource(record).pipe(Effect.zipRight(put({ ...entry, record, loaded: next }))))
        yield* emit("source.updated", { name, type: record.type, job_count: record.job_count })
      })

    return {
      entries: Ref.get(state).pipe(Effect.map((m) => [...m.values()])),
      version: Ref.get(version),
      add,
      remove,
      refresh,
      beforeUse
    }
  })

function failedRecord(spec: SourceSpec, type: string, error: SourceError, created: string): SourceRecord {
  return {
    name: spec.name,
    type,
    spec: { ...spec },
    status: "failed",
    provenance: {},
    error: { code: error.code, detail: error.detail },
    job_count: 0,
    diagnostics: [],
    created_at: created,
    updated_at: now()
  }
}
