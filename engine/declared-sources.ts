/**
 * @module
 * Sources declared in `flwd.yaml`, reconciled at every start: a declared
 * source that is new, changed, or failed is (re)added; one that was
 * declared before and no longer is, is removed; sources added through the
 * API or the CLI are left alone.
 *
 * Which sources were declared is kept in the store with the source: the
 * record's spec carries `declared: true`. The plugins are wrapped so that
 * the field is written into the record and never reaches the plugin; the
 * start reads which records carry it before the engine restores them.
 */
import * as Either from "effect/Either"
import {
  type AnySourcePlugin,
  ConfigError,
  Effect,
  Engine,
  type FieldError,
  fieldErrors,
  Schema,
  type SourceImpl,
  type SourcePlugin,
  type SourceRecord,
  type SourceSpec
} from "../core/mod.ts"
import { tidy } from "./_tidy.ts"
import type { DeclaredSource } from "./config-schema.ts"

/**
 * The spec field marking a declared source.
 *
 * @since 0.1.0
 * @category models
 */
export const DECLARED_FIELD = "declared"

/**
 * What reconciling did, by source name.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReconcileReport {
  readonly added: ReadonlyArray<string>
  readonly updated: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
  readonly unchanged: ReadonlyArray<string>
  /** Declared sources that could not be loaded; the engine runs without them. */
  readonly failed: ReadonlyArray<{ readonly name: string; readonly code: string; readonly detail: string }>
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

function strip(spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { [DECLARED_FIELD]: _, ...rest } = spec
  return rest
}

// The mark is the engine's, not the plugin's: it is taken off before the plugin's Schema sees the spec.
const StripDeclared = Schema.transform(Schema.Unknown, Schema.Unknown, {
  strict: true,
  decode: (u) => (isRecord(u) && DECLARED_FIELD in u ? strip(u) : u),
  encode: (u) => u
})

/**
 * Wraps source plugins so records of the names in `marked` carry
 * `declared: true`: their Schema accepts (and drops) the mark of a stored
 * record, and their redaction adds it. `marked` is read at every redaction:
 * the start fills it with the declared names and the names stored as
 * declared before; reconciling takes out the names it removes.
 *
 * @since 0.1.0
 * @category constructors
 */
export function markDeclared(sources: ReadonlyArray<AnySourcePlugin>, marked: ReadonlySet<string>): Array<AnySourcePlugin> {
  return sources.map((p): AnySourcePlugin => (hasPin(p) ? mark(p, marked) : mark(p, marked)))
}

// Schema's invariance keeps a Pin of never apart from any: each member of AnySourcePlugin is wrapped with its own.
const hasPin = (p: AnySourcePlugin): p is SourcePlugin<any, any> => p.pin !== undefined

function mark<Spec, Pin>(p: SourcePlugin<Spec, Pin>, marked: ReadonlySet<string>): SourcePlugin<Spec, Pin> {
  const encode = Schema.encodeUnknownEither(p.spec)
  const nameOf = (spec: Spec): string => (isRecord(spec) && typeof spec.name === "string" ? spec.name : "")
  const shown = (impl: SourceImpl<Spec, Pin>, spec: Spec): Readonly<Record<string, unknown>> => {
    if (impl.redact !== undefined) return impl.redact(spec)
    const encoded = encode(spec)
    return Either.isRight(encoded) && isRecord(encoded.right) ? encoded.right : isRecord(spec) ? { type: spec.type, name: spec.name } : {}
  }
  return {
    ...p,
    spec: Schema.compose(StripDeclared, p.spec),
    make: Effect.map(p.make, (impl) => ({
      ...impl,
      redact: (spec: Spec) => (marked.has(nameOf(spec)) ? { ...shown(impl, spec), [DECLARED_FIELD]: true } : shown(impl, spec))
    }))
  }
}

/**
 * The names stored as declared (their record carries the mark).
 *
 * @since 0.2.0
 * @category constructors
 */
export function storedDeclared(records: ReadonlyArray<SourceRecord>): Set<string> {
  return new Set(records.filter((r) => r.spec[DECLARED_FIELD] === true).map((r) => r.name))
}

/** The source plugins of an engine. */
export interface ImportedSources {
  readonly sources: ReadonlyArray<AnySourcePlugin>
}

const pluginFor = (plugins: ImportedSources, type: string) => plugins.sources.find((p) => p.type === type || (p.aliases ?? []).includes(type))

/**
 * Checks every declared source against its plugin's spec; fails with
 * `config.invalid` naming each field (`sources[0].ref`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function checkDeclaredSources(declared: ReadonlyArray<DeclaredSource>, plugins: ImportedSources, file: string): void {
  const errors: Array<FieldError> = []
  const types = plugins.sources.flatMap((p) => [p.type, ...(p.aliases ?? [])])
  declared.forEach((input, i) => {
    const plugin = pluginFor(plugins, input.type)
    if (plugin === undefined) {
      errors.push({ path: `sources[${i}].type`, message: `no plugin handles "${input.type}" (known: ${types.join(", ")})` })
      return
    }
    const decoded = Schema.decodeUnknownEither(plugin.spec, { onExcessProperty: "error", errors: "all" })(input)
    if (decoded._tag === "Left") {
      errors.push(...tidy(fieldErrors(decoded.left, `sources[${i}]`).map((e) => ({ ...e, path: e.path.replace(/^(sources\[\d+\])(?=[^.])/, "$1.") }))))
    }
  })
  if (errors.length > 0) throw new ConfigError({ code: "config.invalid", detail: `Invalid sources in config file ${file}`, errors })
}

// Key order does not matter for "unchanged".
const canonical = (v: unknown): string =>
  JSON.stringify(
    v,
    (_, x) => (x !== null && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x)
  )

function sameSpec(record: SourceRecord, input: DeclaredSource, plugins: ImportedSources): boolean {
  const plugin = pluginFor(plugins, input.type)
  if (plugin === undefined || record.type !== plugin.type) return false
  const decoded = Schema.decodeUnknownEither(plugin.spec, { onExcessProperty: "error" })(input)
  if (decoded._tag === "Left") return false
  const encoded = Schema.encodeUnknownEither(plugin.spec)(decoded.right)
  if (encoded._tag === "Left" || !isRecord(encoded.right)) return false
  // The record holds the spec as the plugin shows it: a masked field (a token in a URL) differs from the
  // declared one, so such sources are re-added, as one that changed unseen must be.
  return canonical({ ...encoded.right, type: plugin.type }) === canonical({ ...strip(record.spec), type: record.type, name: record.name })
}

/**
 * Brings the engine's sources in line with the declared ones. `stored`
 * names the sources the store held as declared before this start; a
 * removed one leaves `marked`. Failures of single sources are reported,
 * never failed with.
 *
 * @since 0.1.0
 * @category constructors
 */
export function reconcileSources(
  declared: ReadonlyArray<DeclaredSource>,
  plugins: ImportedSources,
  stored: ReadonlySet<string>,
  marked: Set<string>
): Effect.Effect<ReconcileReport, never, Engine> {
  return Effect.gen(function* () {
    const engine = yield* Engine
    const report = {
      added: [] as Array<string>,
      updated: [] as Array<string>,
      removed: [] as Array<string>,
      unchanged: [] as Array<string>,
      failed: [] as Array<ReconcileReport["failed"][number]>
    }
    const failed = (name: string) => (e: { readonly code: string; readonly detail: string }) =>
      Effect.sync(() => void report.failed.push({ name, code: e.code, detail: e.detail }))
    const records = yield* engine.sources().pipe(Effect.orElseSucceed((): ReadonlyArray<SourceRecord> => []))
    const byName = new Map(records.map((r) => [r.name, r]))
    for (const input of declared) {
      const existing = byName.get(input.name)
      // A source added through the API, declared since, is not stored as declared: adding it again marks it.
      if (existing !== undefined && existing.status === "ready" && stored.has(input.name) && sameSpec(existing, input, plugins)) {
        report.unchanged.push(input.name)
        continue
      }
      yield* engine.addSource(input as SourceSpec).pipe(
        Effect.matchEffect({
          onFailure: failed(input.name),
          onSuccess: () => Effect.sync(() => void (existing === undefined ? report.added : report.updated).push(input.name))
        })
      )
    }
    const names = new Set(declared.map((d) => d.name))
    for (const name of stored) {
      if (names.has(name)) continue
      yield* engine.removeSource(name).pipe(
        Effect.matchEffect({
          onFailure: failed(name),
          onSuccess: () =>
            Effect.sync(() => {
              report.removed.push(name)
              marked.delete(name)
            })
        })
      )
    }
    return report
  })
}
