/**
 * @module
 * The plugins the engine was built with, looked up by kind name.
 */
import { Context, Effect, Layer } from "effect"
import { PluginError } from "../domain/errors.ts"
import type { ExecutorPlugin, PluginSet, ProfilePlugin, SourcePlugin } from "../plugin.ts"

/**
 * @since 0.1.0
 * @category tags
 */
export class Plugins extends Context.Tag("flwd/engine/Plugins")<Plugins, {
  readonly source: (type: string) => SourcePlugin<any> | undefined
  readonly profile: (name: string) => ProfilePlugin | undefined
  readonly executor: (kind: string) => ExecutorPlugin | undefined
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
    const sources = new Map<string, SourcePlugin<any>>()
    const profiles = new Map<string, ProfilePlugin>()
    const executors = new Map<string, ExecutorPlugin>()
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
      source: (type: string) => sources.get(type),
      profile: (name: string) => profiles.get(name),
      executor: (kind: string) => executors.get(kind),
      profiles: [...profiles.values()],
      sourceTypes: [...sources.keys()]
    }
  }))
}
