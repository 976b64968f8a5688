/**
 * @module
 * Sources declared in `flwd.yaml`, reconciled at every start: a declared
 * source that is new, changed, or failed is (re)added; one that was
 * declared before and no longer is, is removed; sources added through the
 * API or the CLI are left alone.
 *
 * Which sources were declared is kept in the store with the source: the
 * record's spec carries `declared: true`. The plugins are wrapped so that
 * the field is written into the record and never reaches the plugin.
 */
import { ConfigError, Effect, Engine, fieldErrors, type FieldError, Schema, type SourceRecord, type SourcePlugin, type SourceSpec } from "../core/mod.ts"
import { tidy } from "./_tidy.ts"
import type { DeclaredSource } from "./config-schema.ts"
import type { EngineHandle } from "./handle.ts"

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

function strip<S extends SourceSpec>(spec: S): S {
  if (!(DECLARED_FIELD in spec)) return spec
  const { [DECLARED_FIELD]: _, ...rest } = spec
  return rest as S
}

/**
 * Wraps source plugins so records of `declared` names (and of sources
 * declared before) carry `declared: true`. A declared name restored from a
 * stored record without the mark (added through the API before it was
 * declared) is put in `unmarked`: the store does not say it is declared
 * yet, so reconciling must add it again.
 *
 * @since 0.1.0
 * @category constructors
 */
export function markDeclared(
  sources: ReadonlyArray<SourcePlugin<any>>,
  declared: ReadonlySet<string>,
  unmarked: Set<string> = new Set()
): Array<SourcePlugin<any>> {
  return sources.map((p): SourcePlugin<any> => ({
    ...p,
    load: (spec, ctx) => p.load(strip(spec), ctx),
    restore: (spec, ctx) => {
      if (declared.has(spec.name) && spec[DECLARED_FIELD] !== true) unmarked.add(spec.name)
      return (p.restore ?? p.load)(strip(spec), ctx)
    },
    ...(p.beforeUse !== undefined ? { beforeUse: (spec, current, ctx) => p.beforeUse!(strip(spec), current, ctx) } : {}),
    ...(p.remove !== undefined ? { remove: (spec, ctx, loaded) => p.remove!(strip(spec), ctx, loaded) } : {}),
    redact: (spec) => {
      const shown = p.redact !== undefined ? p.redact(strip(spec)) : strip(spec)
      return declared.has(spec.name) || spec[DECLARED_FIELD] === true ? { ...shown, [DECLARED_FIELD]: true } : shown
    }
  }))
}

/** Source plugins as they are once imported (see `importPlugins` in builtin-plugins.ts). */
export interface ImportedSources {
  readonly sources: ReadonlyArray<SourcePlugin<any>>
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
    if (decoded._tag === "Left") errors.push(...tidy(fieldErrors(decoded.left, `sources[${i}]`).map((e) => ({ ...e, path: e.path.replace(/^(sources\[\d+\])(?=[^.])/, "$1.") }))))
  })
  if (errors.length > 0) throw new ConfigError({ code: "config.invalid", detail: `Invalid sources in config file ${file}`, errors })
}

// Key order does not matter for "unchanged".
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x) => (x !== null && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x))

function sameSpec(record: SourceRecord, input: DeclaredSource, plugins: ImportedSources): boolean {
  const plugin = pluginFor(plugins, input.type)
  if (plugin === undefined || record.type !== plugin.type) return false
  const decoded = Schema.decodeUnknownEither(plugin.spec, { onExcessProperty: "error" })(input)
  if (decoded._tag === "Left") return false
  const shown = plugin.redact !== undefined ? plugin.redact(decoded.right) : decoded.right
  // A masked field (a token in a URL) may have changed unseen: such sources are re-added.
  if (canonical(shown) !== canonical(decoded.right)) return false
  return canonical({ ...shown, type: plugin.type }) === canonical({ ...strip(record.spec as SourceSpec), type: record.type, name: record.name })
}

/**
 * Brings the engine's sources in line with the declared ones. Failures of
 * single sources are reported, never thrown.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function reconcileSources(
  engine: EngineHandle,
  declared: ReadonlyArray<DeclaredSource>,
  plugins: ImportedSources,
  unmarked: ReadonlySet<string> = new Set()
): Promise<ReconcileReport> {
  const report = { added: [] as Array<string>, updated: [] as Array<string>, removed: [] as Array<string>, unchanged: [] as Array<string>, failed: [] as Array<ReconcileReport["failed"][number]> }
  const records = await engine.run(Effect.flatMap(Engine, (e) => e.sources()))
  const byName = new Map(records.map((r) => [r.name, r]))
  for (const input of declared) {
    const existing = byName.get(input.name)
    if (existing !== undefined && existing.status === "ready" && existing.spec[DECLARED_FIELD] === true && !unmarked.has(input.name) && sameSpec(existing, input, plugins)) {
      report.unchanged.push(input.name)
      continue
    }
    const outcome = await engine.run(Effect.flatMap(Engine, (e) => e.addSource(input as SourceSpec)).pipe(Effect.either))
    if (outcome._tag === "Right") (existing === undefined ? report.added : report.updated).push(input.name)
    else report.failed.push({ name: input.name, code: outcome.left.code, detail: outcome.left.detail })
  }
  const names = new Set(declared.map((d) => d.name))
  for (const record of records) {
    if (record.spec[DECLARED_FIELD] !== true || names.has(record.name)) continue
    const outcome = await engine.run(Effect.flatMap(Engine, (e) => e.removeSource(record.name)).pipe(Effect.either))
    if (outcome._tag === "Right") report.removed.push(record.name)
    else report.failed.push({ name: record.name, code: outcome.left.code, detail: outcome.left.detail })
  }
  return report
}
