/**
 * @module
 * The plugins the engine was built with, looked up by kind name.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PluginError } from "../domain/errors.ts"
import type { ExecutorPlugin, LazyExecutorPlugin, LazySourcePlugin, PluginSet, ProfilePlugin, SourcePlugin } from "../plugin.ts"

/**
 * @since 0.1.0
 * @category tags
 */
export class Plugins extends Context.Tag("flwd/engine/Plugins")<Plugins, {
  /** The plugin for a source type (or alias), imported first when it is lazy. */
  readonly source: (type: string) => Effect.Effect<SourcePlugin<any> | undefined, PluginError>
  readonly profile: (name: string) => ProfilePlugin | undefined
  /** The executor of a kind, imported first when it is lazy. */
  readonly executor: (kind: string) => Effect.Effect<ExecutorPlugin | undefined, PluginError>
  readonly profiles: ReadonlyArray<ProfilePlugin>
  readonly sourceTypes: ReadonlyArray<string>
}>() {}

/**
 * Builds the Plugins service from a plugin set; two plugins claiming one
 * kind name is an error naming both.
 *
 * @since 0.1.0
 * @category layers
 */
export function layerPlugins(set: PluginSet): Layer.Layer<Plugins, PluginError> {
  return Layer.effect(Plugins, Effect.gen(function*() {
    const sources = new Map<string, SourcePlugin<any> | LazySourcePlugin>()
    const profiles = new Map<string, ProfilePlugin>()
    const executors = new Map<string, ExecutorPlugin | LazyExecutorPlugin>()
    const claim = <P>(map: Map<string, P>, kind: string, name: string, plugin: P) =>
      map.has(name)
        ? Effect.fail(new PluginError({ code: "plugin.invalid", detail: `Two ${kind} plugins claim "${name}"` }))
        : Effect.sync(() => void map.set(name, plugin))
    for (const p of set.sources) {
      for (const name of [p.type, ...(p.aliases ?? [])]) yield* claim(sources, "source", name, p)
    }
    for (const p of set.profiles) yield* claim(profiles, "profile", p.name, p)
    for (const p of set.executors) yield* claim(executors, "executor", p.kind, p)
    return {
      source: (type: string) => resolve(sources.get(type), `source type "${type}"`, (p) => p.type === sources.get(type)?.type),
      profile: (name: string) => profiles.get(name),
      executor: (kind: string) => resolve(executors.get(kind), `executor "${kind}"`, (p) => p.kind === kind),
      profiles: [...profiles.values()],
      sourceTypes: [...sources.keys()]
    }
  }))
}

// One import per lazy plugin, shared by every caller; a failed import is
// reported each time (as plugin.invalid) and tried again on the next use.
const imported = new WeakMap<object, Promise<unknown>>()

function resolve<P extends object>(
  entry: P | { readonly lazy: () => Promise<P> } | undefined,
  what: string,
  matches: (plugin: P) => boolean
): Effect.Effect<P | undefined, PluginError> {
  if (entry === undefined) return Effect.succeed(undefined)
  if (!("lazy" in entry)) return Effect.succeed(entry)
  return Effect.tryPromise({
    try: () => {
      let pending = imported.get(entry) as Promise<P> | undefined
      if (pending === undefined) {
        pending = entry.lazy()
        imported.set(entry, pending)
        pending.catch(() => imported.delete(entry))
      }
      return pending
    },
    catch: (cause) =>
      new PluginError({
        code: "plugin.invalid",
        detail: `Cannot load the plugin for ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  }).pipe(
    Effect.filterOrFail(matches, () => new PluginError({ code: "plugin.invalid", detail: `The plugin loaded for ${what} does not provide it` }))
  )
}
