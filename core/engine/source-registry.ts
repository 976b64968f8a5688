/**
 * @module
 * The SourceRegistry: resolves and loads sources through their plugins,
 * persists their records and pins, applies pull policies, and swaps a
 * source's state only once its new version is fully loaded, so a failing
 * refresh keeps the old jobs serving.
 *
 * Plugin calls run outside the lock; their results are committed under it
 * with a per-name generation check: a refresh or re-resolve that started
 * from a state that is no longer current (the source was removed, re-added
 * or refreshed meanwhile) is discarded instead of resurrecting or
 * overwriting what replaced it. Every state replaced or discarded is
 * released through the plugin.
 *
 * Other engines on the same store (a CLI beside a server, several servers)
 * change sources too: the registry polls the store's change token (SQLite's
 * `data_version`), lists the sources when it moved, and loads, replaces or
 * drops what another engine changed, under the same generation check.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { type EngineError, problemInfo, SourceError } from "../domain/errors.ts"
import { DEFAULT_SOURCE, type SourceRecord, type SourceSpec } from "../domain/source.ts"
import type { LoadedSource, SourceContext, SourceImpl, SourcePlugin } from "../plugin.ts"
import { type Activity, checkLoaded, DEFAULT_PLUGIN_TIMEOUT_MS, makeActivity, withIdleTimeout } from "./_plugin-guard.ts"
import { failedRecord, type HeldPin, holdPin, kindOf, now, pinOfRecord, pullPolicyOf, recordOf, sameContent, samePin } from "./_source-record.ts"
import { decodeSpec, fieldErrors } from "./_spec.ts"
import { EngineConfig } from "./config.ts"
import { EventBus } from "./event-bus.ts"
import { Plugins } from "./plugins.ts"
import { PolicyEngine } from "./policy-engine.ts"
import { Store } from "./store.ts"

/** What was done to a source when it failed, in `source.failed` events. */
type SourceOperation = "add" | "refresh" | "remove" | "restore" | "beforeUse"

/** A source as held in memory. */
export interface SourceEntry {
  readonly record: SourceRecord
  readonly spec: SourceSpec
  /** The plugin and its implementation; null for the root tree and for a source whose plugin is missing. */
  readonly plugin: SourcePlugin<any, any> | null
  readonly impl: SourceImpl<any, any> | null
  readonly loaded: LoadedSource | null
  readonly pin: HeldPin | null
  /** Bumped by every commit; a commit expecting another generation is discarded. */
  readonly generation: number
  /** An `on-run` source not re-resolved since the engine started. */
  readonly pending: boolean
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SourceRegistry extends Context.Tag("flwd/engine/SourceRegistry")<SourceRegistry, {
  /**
   * Every source, the root tree (`default`) first, as this engine holds them
   * now (another engine's changes arrive within the follow interval). What
   * plans read: no store look on the hot path.
   */
  readonly entries: Effect.Effect<ReadonlyArray<SourceEntry>>
  /** The same, first caught up with the store: every change another engine stored before the call (listings, gc). */
  readonly current: Effect.Effect<ReadonlyArray<SourceEntry>>
  /** Bumped on every change, so derived views know when to rebuild. */
  readonly version: Effect.Effect<number>
  readonly add: (input: unknown) => Effect.Effect<{ readonly record: SourceRecord; readonly created: boolean }, EngineError>
  readonly remove: (name: string) => Effect.Effect<void, EngineError>
  readonly refresh: (name: string) => Effect.Effect<SourceRecord, EngineError>
  /** Applies the source's pull policy before one of its jobs is used; true when its tree changed. */
  readonly beforeUse: (name: string) => Effect.Effect<boolean, EngineError>
}>() {}

/**
 * The root job tree: its type (shown in its record) and how to load it.
 * Given by the engine's home, so core names no source kind.
 *
 * @since 0.2.0
 * @category models
 */
export interface RootLoader {
  readonly type: string
  readonly path: string
  readonly load: Effect.Effect<LoadedSource, SourceError>
}

/** @since 0.1.0 @category models */
export interface RegistryOptions {
  /** The root job tree (`--root`); absent: no root jobs. */
  readonly root?: RootLoader
  /**
   * How long a plugin call may go without finishing or making progress
   * (a progress counter growing) before its source fails with
   * `source.plugin.failed`. Default 30 000 ms.
   */
  readonly pluginTimeoutMs?: number
  /**
   * How often the store is asked whether another engine changed a source.
   * Default 250 ms, so a change is served well within a second.
   */
  readonly followIntervalMs?: number
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
  return Layer.scoped(SourceRegistry, make(options))
}

const make = (options: RegistryOptions) =>
  Effect.gen(function* () {
    const store = yield* Store
    const bus = yield* EventBus
    const plugins = yield* Plugins
    const policy = yield* PolicyEngine
    const config = yield* EngineConfig
    const state = yield* Ref.make(new Map<string, SourceEntry>())
    const version = yield* Ref.make(0)
    const lock = yield* Effect.makeSemaphore(1)
    // Generations are unique across names, so a re-added source never matches its predecessor's.
    let generations = 0
    const timeoutMs = options.pluginTimeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS
    // Each stored record as this engine last read or wrote it, by name (as JSON): a stored record
    // that differs, or a name no longer stored, is another engine's change.
    const seen = new Map<string, string>()
    const saw = (record: SourceRecord) => void seen.set(record.name, JSON.stringify(record))

    /**
     * Stored records this engine failed to load: nothing in the store will
     * change to make it try again (the record is fine; the registry did not
     * answer this engine), so each is loaded again at the same pin — never
     * re-resolved, which would move every engine's pin — after a second,
     * then twice as long each time up to five minutes, while the stored
     * record stays the one that failed here and this engine holds it failed.
     */
    const retries = new Map<string, { readonly record: SourceRecord; readonly at: number; readonly delayMs: number }>()
    const retryLater = (record: SourceRecord) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const before = retries.get(record.name)
        const delayMs = before === undefined || JSON.stringify(before.record) !== JSON.stringify(record) ? 1000 : Math.min(before.delayMs * 2, 300_000)
        retries.set(record.name, { record, at: now + delayMs, delayMs })
      })

    const context = (name: string, activity: Activity): SourceContext => ({
      name,
      dataDir: config.dataDir,
      profile: policy.defaultProfile,
      policy: config.policy,
      ...(config.policyDir !== undefined ? { policyDir: config.policyDir } : {}),
      ...(config.policyFile !== undefined ? { policyFile: config.policyFile } : {}),
      allowedLocalRoots: config.allowedLocalRoots,
      progress: (data) =>
        Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void activity.report(data, t))).pipe(
          Effect.zipRight(bus.publish([{ run_id: null, type: "source.pulled", at: now(), data: { ...data, name } }])),
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

    const bump = Ref.update(version, (v) => v + 1)
    const put = (entry: SourceEntry) => Ref.update(state, (m) => new Map(m).set(entry.record.name, entry)).pipe(Effect.zipRight(bump))

    // Runs a plugin call with a fresh context whose progress feeds this call's watchdog, turning
    // throws (also from building the Effect), defects, hangs and wrong errors into source.plugin.failed.
    const guard = <A>(name: string, call: (ctx: SourceContext) => Effect.Effect<A, SourceError>) =>
      Effect.suspend(() => {
        const activity = makeActivity()
        return withIdleTimeout(name, Effect.suspend(() => call(context(name, activity))), timeoutMs, activity.last)
      }).pipe(
        Effect.catchAllDefect((d) => Effect.fail(failure(name, d))),
        Effect.mapError((e) => withEntry(failure(name, e)))
      )
    // A plugin's own code travels with its table entry, so every surface shows its status, title and fix.
    const withEntry = (e: SourceError): SourceError => {
      if (e.problem !== undefined || problemInfo(e) !== undefined || !Object.hasOwn(plugins.problems, e.code)) return e
      return new SourceError({
        code: e.code,
        detail: e.detail,
        problem: plugins.problems[e.code],
        ...(e.errors !== undefined ? { errors: e.errors } : {}),
        ...(e.cause !== undefined ? { cause: e.cause } : {})
      })
    }
    const guardLoad = (name: string, call: (ctx: SourceContext) => Effect.Effect<LoadedSource, SourceError>) =>
      guard(name, (ctx) => Effect.flatMap(call(ctx), (loaded) => checkLoaded(name, loaded)))

    // Lets the plugin free what a state holds; its failures never fail the caller.
    const release = (entry: Pick<SourceEntry, "impl" | "spec">, loaded: LoadedSource | null) =>
      entry.impl?.release === undefined || loaded === null
        ? Effect.void
        : Effect.suspend(() => entry.impl!.release!(entry.spec, loaded)).pipe(Effect.catchAllCause(() => Effect.void))

    /** Resolves (when the kind re-resolves) and loads what the spec names now. */
    const fresh = (spec: SourceSpec, plugin: SourcePlugin<any, any>, impl: SourceImpl<any, any>) =>
      Effect.gen(function* () {
        const pin = impl.resolve === undefined ? null : holdPin(plugin, yield* guard(spec.name, (ctx) => impl.resolve!(spec, ctx)))
        const loaded = yield* guardLoad(spec.name, (ctx) => impl.load(spec, pin?.value ?? null, ctx))
        return { pin, loaded }
      })

    type Next = Omit<SourceEntry, "generation">
    /**
     * Commits `next` under the lock when the name's current generation is
     * `expected` (`"any"`: whatever is there); returns the entry committed,
     * or null when a newer state won (`next` is then released).
     */
    const commit = (next: Next, expected: number | "any") =>
      Effect.gen(function* () {
        const name = next.record.name
        const outcome = yield* lock.withPermits(1)(Effect.gen(function* () {
          const previous = (yield* Ref.get(state)).get(name)
          if (expected !== "any" && previous?.generation !== expected) return { committed: null, previous }
          // An unchanged record is not written again (a local source is
          // reloaded before each run): writes are what engines and caches
          // sharing the store take for a change of the sources.
          if (name !== DEFAULT_SOURCE && (previous === undefined || !sameContent(previous.record, next.record))) {
            yield* store.putSource(next.record)
            saw(next.record)
          }
          const committed: SourceEntry = { ...next, generation: ++generations }
          yield* put(committed)
          return { committed, previous }
        }))
        const { committed, previous } = outcome
        if (committed === null) {
          if (next.loaded !== previous?.loaded) yield* release(next, next.loaded)
          return null
        }
        if (previous !== undefined && previous.loaded !== committed.loaded) yield* release(previous, previous.loaded)
        return committed
      })

    // The root tree, never persisted, never admitted: it is the operator's own choice.
    const root = options.root
    const loadRoot = (created: string, generation: number | "any") =>
      Effect.gen(function* () {
        const spec: SourceSpec = { type: root!.type, name: DEFAULT_SOURCE, path: root!.path }
        const plugin = { type: root!.type, spec: Schema.Unknown }
        const loaded = yield* guardLoad(DEFAULT_SOURCE, () => root!.load)
        const next: Next = { record: recordOf(spec, plugin, loaded, null, created), spec, plugin: null, impl: null, loaded, pin: null, pending: false }
        return yield* commit(next, generation)
      })
    if (root !== undefined) {
      const loaded = yield* loadRoot(now(), "any").pipe(Effect.either)
      if (loaded._tag === "Left") {
        const spec: SourceSpec = { type: root.type, name: DEFAULT_SOURCE, path: root.path }
        yield* put({
          record: failedRecord(spec, root.type, loaded.left, now()),
          spec,
          plugin: null,
          impl: null,
          loaded: null,
          pin: null,
          generation: ++generations,
          pending: false
        })
      }
    }

    // Persisted sources come back under their pull policy; one that fails to load is kept as failed.
    const restore = (record: SourceRecord) =>
      Effect.gen(function* () {
        const unloaded = (
          error: { readonly code: string; readonly detail: string },
          spec: SourceSpec,
          plugin: SourcePlugin<any, any> | null,
          impl: SourceImpl<any, any> | null
        ) =>
          put({
            record: failedRecord(record.spec as SourceSpec, record.type, error, record.created_at, record.pin),
            spec,
            plugin,
            impl,
            loaded: null,
            pin: null,
            generation: ++generations,
            pending: false
          })
            .pipe(Effect.zipRight(failed("restore", record.name, record.type)(error)))
        saw(record)
        const envelope = { ...record.spec, type: record.type, name: record.name } as SourceSpec
        const found = yield* plugins.source(record.type).pipe(Effect.either)
        if (found._tag === "Left") return yield* unloaded(found.left, envelope, null, null)
        if (found.right === undefined) {
          return yield* unloaded({ code: "source.type.unknown", detail: `No plugin for type ${record.type}` }, envelope, null, null)
        }
        const { plugin, impl } = found.right
        const decoded = Schema.decodeUnknownEither(plugin.spec, { onExcessProperty: "error", errors: "all" })(envelope)
        if (decoded._tag === "Left") {
          const errors = fieldErrors(decoded.left)
          return yield* unloaded(
            {
              code: "source.invalid",
              detail: `The stored ${plugin.type} spec no longer decodes: ${errors.map((e) => `${e.path} ${e.message}`).join("; ")}`
            },
            envelope,
            plugin,
            impl
          )
        }
        const spec = decoded.right as SourceSpec
        const stored = pinOfRecord(plugin, record)
        const pull = pullPolicyOf(spec)
        const outcome = yield* Effect.gen(function* () {
          if (impl.resolve === undefined) return { pin: null, loaded: yield* guardLoad(spec.name, (ctx) => impl.load(spec, null, ctx)), pending: false }
          if (stored === null) return { ...(yield* fresh(spec, plugin, impl)), pending: false }
          if (pull === "on-startup") {
            return yield* fresh(spec, plugin, impl).pipe(
              Effect.map((f) => ({ ...f, pending: false })),
              // The registry or remote cannot be reached (or what it names now fails): the pinned content keeps serving, marked stale.
              Effect.catchAll((e) =>
                Effect.map(guardLoad(spec.name, (ctx) => impl.load(spec, stored.value, ctx)), (loaded) => ({
                  pin: stored,
                  loaded: { ...loaded, diagnostics: [...loaded.diagnostics, staleWarning(spec, e)] },
                  pending: false
                }))
              )
            )
          }
          const loaded = yield* guardLoad(spec.name, (ctx) => impl.load(spec, stored.value, ctx))
          return { pin: stored, loaded, pending: pull === "on-run" }
        }).pipe(Effect.either)
        if (outcome._tag === "Left") {
          if (record.error === null) yield* retryLater(record)
          return yield* unloaded(outcome.left, spec, plugin, impl)
        }
        const { pin, loaded, pending } = outcome.right
        const shown = pending ? { ...loaded, provenance: { ...loaded.provenance, resolution: "pending" } } : loaded
        const entry = { record: recordOf(spec, kindOf(plugin, impl), shown, pin, record.created_at), spec, plugin, impl, loaded, pin, pending }
        // A restore rewrites the record when its pin changed (or it had none
        // yet); a kind without pins only when what it says changed (a job
        // count, a diagnostic). Not at every start: that would look like a
        // change of the sources to every cache and engine keyed on them.
        yield* put({ ...entry, generation: ++generations })
        const changed = pin === null ? !sameContent(entry.record, record) : !samePin(pin, stored) || record.pin === undefined
        if (changed) {
          yield* store.putSource(entry.record).pipe(Effect.orDie)
          saw(entry.record)
        }
      })
    const stored = yield* store.listSources().pipe(Effect.orDie)
    yield* Effect.forEach(stored, restore, { concurrency: 4, discard: true })

    const find = (name: string) =>
      Effect.flatMap(Ref.get(state), (m) => {
        const entry = m.get(name)
        return entry === undefined ? Effect.fail(new SourceError({ code: "source.not.found", detail: `No source named "${name}"` })) : Effect.succeed(entry)
      })

    const add = (input: unknown) =>
      Effect.gen(function* () {
        // A request that does not decode never became a source operation: the caller gets the problem.
        const { spec, plugin } = yield* decodeSpec(input, plugins.sourcePlugin, plugins.sourceTypes)
        return yield* Effect.gen(function* () {
          const decision = policy.defaultProfile.admit?.({ kind: "source.add", spec }, config.policy)
          if (decision !== undefined) {
            yield* policy.record({ ...decision, source: spec.name })
            if (decision.decision === "deny") return yield* new SourceError({ code: "source.not.allowed", detail: decision.reason })
          }
          const built = yield* plugins.source(plugin.type)
          if (built === undefined) return yield* new SourceError({ code: "source.type.unknown", detail: `No plugin for type ${plugin.type}` })
          const { pin, loaded } = yield* fresh(spec, plugin, built.impl)
          const previous = (yield* Ref.get(state)).get(spec.name)
          const record = recordOf(spec, kindOf(plugin, built.impl), loaded, pin, previous?.record.created_at ?? now())
          yield* commit({ record, spec, plugin, impl: built.impl, loaded, pin, pending: false }, "any")
          yield* emit(previous ? "source.updated" : "source.added", { name: record.name, type: record.type, job_count: record.job_count })
          return { record, created: previous === undefined }
        }).pipe(Effect.tapError(failed("add", spec.name, plugin.type)))
      }).pipe(Effect.withSpan("source.add"))

    const remove = (name: string) =>
      Effect.gen(function* () {
        if (name === DEFAULT_SOURCE) {
          return yield* new SourceError({ code: "source.name.reserved", detail: "The root job tree cannot be removed" })
        }
        const entry = yield* lock.withPermits(1)(Effect.gen(function* () {
          const entry = yield* find(name)
          yield* store.removeSource(name).pipe(Effect.tapError(failed("remove", name, entry.record.type)))
          seen.delete(name)
          yield* Ref.update(state, (m) => {
            const next = new Map(m)
            next.delete(name)
            return next
          })
          yield* bump
          return entry
        }))
        yield* release(entry, entry.loaded)
        yield* emit("source.removed", { name })
      })

    // A refresh whose source was removed meanwhile fails; one overtaken by a newer state returns that state.
    const overtaken = (name: string) =>
      Effect.flatMap(Ref.get(state), (m) => {
        const current = m.get(name)
        return current === undefined
          ? Effect.fail(new SourceError({ code: "source.not.found", detail: `Source ${name} was removed while it refreshed` }))
          : Effect.succeed(current.record)
      })

    const refresh = (name: string) =>
      Effect.flatMap(find(name), (entry) =>
        Effect.gen(function* () {
          if (entry.plugin === null || entry.impl === null) {
            if (name !== DEFAULT_SOURCE || root === undefined) return entry.record
            const committed = yield* loadRoot(entry.record.created_at, entry.generation)
            return committed === null ? yield* overtaken(name) : committed.record
          }
          const { pin, loaded } = yield* fresh(entry.spec, entry.plugin, entry.impl)
          const record = recordOf(entry.spec, kindOf(entry.plugin, entry.impl), loaded, pin, entry.record.created_at)
          const committed = yield* commit({ ...entry, record, loaded, pin, pending: false }, entry.generation)
          if (committed === null) return yield* overtaken(name)
          yield* emit("source.updated", { name, type: record.type, job_count: record.job_count })
          return record
        }).pipe(Effect.tapError(failed("refresh", name, entry.record.type))))

    const beforeUse = (name: string) =>
      Effect.gen(function* () {
        const entry = yield* find(name)
        const { plugin, impl, loaded } = entry
        if (plugin === null || impl?.resolve === undefined || loaded === null) return false
        const pull = pullPolicyOf(entry.spec)
        if (!(pull === "always" || (pull === "on-run" && entry.pending))) return false
        return yield* Effect.gen(function* () {
          const pin = holdPin(plugin, yield* guard(name, (ctx) => impl.resolve!(entry.spec, ctx)))
          const next = samePin(pin, entry.pin)
            ? { loaded, pin: entry.pin }
            : { loaded: yield* guardLoad(name, (ctx) => impl.load(entry.spec, pin.value, ctx)), pin }
          if (next.loaded === loaded && !entry.pending) return false
          const record = recordOf(entry.spec, kindOf(plugin, impl), next.loaded, next.pin, entry.record.created_at)
          const committed = yield* commit({ ...entry, ...next, record, pending: false }, entry.generation)
          if (committed === null || next.loaded === loaded) return false
          yield* emit("source.updated", { name, type: record.type, job_count: record.job_count })
          return true
        }).pipe(Effect.tapError(failed("beforeUse", name, entry.record.type)))
      })

    /**
     * A record another engine stored, as this engine's state: loaded at the
     * pin it carries (never re-resolved, never written back, so engines do
     * not answer each other's changes); a failed record, or one whose load
     * fails here, is held as failed. `retry`: the load itself failed here (a
     * registry that did not answer), which trying again may mend.
     */
    const adopt = (record: SourceRecord) =>
      Effect.gen(function* () {
        const envelope = { ...record.spec, type: record.type, name: record.name } as SourceSpec
        const asFailed = (
          error: { readonly code: string; readonly detail: string },
          plugin: SourcePlugin<any, any> | null,
          impl: SourceImpl<any, any> | null
        ): Next => ({
          record: record.error !== null ? record : failedRecord(envelope, record.type, error, record.created_at, record.pin),
          spec: envelope,
          plugin,
          impl,
          loaded: null,
          pin: null,
          pending: false
        })
        const final = (next: Next) => ({ next, retry: false })
        const found = yield* plugins.source(record.type).pipe(Effect.either)
        if (found._tag === "Left") return final(asFailed(found.left, null, null))
        if (found.right === undefined) return final(asFailed({ code: "source.type.unknown", detail: `No plugin for type ${record.type}` }, null, null))
        const { plugin, impl } = found.right
        if (record.error !== null) return final(asFailed(record.error, plugin, impl))
        const decoded = Schema.decodeUnknownEither(plugin.spec, { onExcessProperty: "error", errors: "all" })(envelope)
        if (decoded._tag === "Left") return final(asFailed({ code: "source.invalid", detail: `The stored ${plugin.type} spec does not decode` }, plugin, impl))
        const spec = decoded.right as SourceSpec
        const pin = pinOfRecord(plugin, record)
        const loaded = yield* guardLoad(spec.name, (ctx) => impl.load(spec, pin?.value ?? null, ctx)).pipe(Effect.either)
        if (loaded._tag === "Left") return { next: asFailed(loaded.left, plugin, impl), retry: true }
        return final({ record, spec, plugin, impl, loaded: loaded.right, pin, pending: false })
      })

    /** Installs `next` when the name is still at `expected` (null: absent), without writing the store. */
    const install = (next: Next, expected: number | null) =>
      Effect.gen(function* () {
        const previous = yield* lock.withPermits(1)(Effect.gen(function* () {
          const current = (yield* Ref.get(state)).get(next.record.name)
          if ((current?.generation ?? null) !== expected) return null
          yield* put({ ...next, generation: ++generations })
          return { entry: current }
        }))
        if (previous === null) return yield* release(next, next.loaded)
        if (previous.entry !== undefined && previous.entry.loaded !== next.loaded) yield* release(previous.entry, previous.entry.loaded)
      })

    /**
     * One look at the store: what changed since this engine last read or
     * wrote it is read under the lock (so a commit of this engine is never
     * mistaken for another's), dropped names are dropped at once, and
     * changed records are loaded outside it and installed under their
     * generation check.
     */
    // The store's change token as of the last look that finished: a look that failed half-way
    // leaves it, so the next look reads the records again instead of skipping them for good.
    let lastToken: string | null = null
    const look = Effect.gen(function* () {
      let token: string | null = null
      if (store.changeToken !== undefined) {
        token = yield* store.changeToken()
        if (token === lastToken) return
      }
      const { changed, dropped } = yield* lock.withPermits(1)(Effect.gen(function* () {
        const records = yield* store.listSources()
        const current = yield* Ref.get(state)
        const stored = new Set(records.map((r) => r.name))
        const changed = records.filter((r) => r.name !== DEFAULT_SOURCE && seen.get(r.name) !== JSON.stringify(r)).map((record) => {
          saw(record)
          return { record, expected: current.get(record.name)?.generation ?? null }
        })
        const dropped = [...seen.keys()].filter((name) => !stored.has(name)).flatMap((name) => {
          seen.delete(name)
          const entry = current.get(name)
          return entry === undefined ? [] : [entry]
        })
        if (dropped.length > 0) {
          yield* Ref.update(state, (m) => {
            const next = new Map(m)
            for (const entry of dropped) next.delete(entry.record.name)
            return next
          })
          yield* bump
        }
        return { changed, dropped }
      }))
      yield* Effect.forEach(dropped, (entry) => release(entry, entry.loaded), { discard: true })
      yield* Effect.forEach(changed, ({ record, expected }) => adoptNow(record, expected), { concurrency: 4, discard: true })
      lastToken = token
    })

    const adoptNow = (record: SourceRecord, expected: number | null) =>
      Effect.flatMap(adopt(record), ({ next, retry }) => {
        if (!retry) retries.delete(record.name)
        return retry ? Effect.zipRight(retryLater(record), install(next, expected)) : install(next, expected)
      })
    const retryDue = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const due = [...retries.values()].filter((r) => r.at <= now)
      yield* Effect.forEach(due, ({ record }) =>
        Effect.gen(function* () {
          const entry = (yield* Ref.get(state)).get(record.name)
          // Taken over meanwhile: the record changed or went, or this engine holds it loaded.
          if (entry === undefined || entry.loaded !== null || seen.get(record.name) !== JSON.stringify(record)) {
            retries.delete(record.name)
            return
          }
          const { next, retry } = yield* adopt(record)
          if (retry) return yield* retryLater(record)
          retries.delete(record.name)
          yield* install(next, entry.generation)
        }), { concurrency: 4, discard: true })
    })
    // Whether a look is under way; while one is, a caller waits for it (see `followNow`).
    let looking = false
    const follow = Effect.suspend(() => {
      looking = true
      return Effect.zipRight(look, retryDue)
    }).pipe(Effect.ensuring(Effect.sync(() => void (looking = false))))
    // One look at a time: a caller that asks while the timer's look is loading waits for it, so
    // what it then reads includes every change stored before it asked. A store that cannot be read
    // now is asked again next time: following never fails a caller nor stops the engine.
    const following = yield* Effect.makeSemaphore(1)
    const followNow = following.withPermits(1)(follow).pipe(Effect.catchAllCause(() => Effect.void))
    yield* followNow.pipe(Effect.repeat(Schedule.spaced(Duration.millis(options.followIntervalMs ?? 250))), Effect.forkScoped)
    // A listing asks on every request: when no look is under way, no retry is pending and the
    // store's token is the one the last finished look read, the state in hand is current, and
    // taking the semaphore and walking the retries (most of a listing's cost) can be skipped.
    const changeToken = store.changeToken
    const upToDate: Effect.Effect<boolean> = changeToken === undefined
      ? Effect.succeed(false)
      : Effect.suspend(() =>
        looking || retries.size > 0 || lastToken === null
          ? Effect.succeed(false)
          : changeToken().pipe(Effect.map((token) => token === lastToken), Effect.orElseSucceed(() => false))
      )

    return {
      entries: Ref.get(state).pipe(Effect.map((m) => [...m.values()])),
      // Current with the store: a collection (gc) or a listing never misses a source another engine stored.
      current: Effect.flatMap(upToDate, (fresh) => fresh ? Ref.get(state) : Effect.zipRight(followNow, Ref.get(state))).pipe(
        Effect.map((m) => [...m.values()])
      ),
      version: Ref.get(version),
      add,
      remove,
      refresh,
      beforeUse
    }
  })

function staleWarning(spec: SourceSpec, error: SourceError) {
  return {
    level: "warning" as const,
    code: "source.stale",
    path: ".",
    message: `could not re-resolve ${spec.name} at startup; serving the pinned content: ${error.detail}`
  }
}
