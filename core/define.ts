/**
 * @module
 * Typed identity helpers for plugin authors: they check a definition's shape
 * at compile time and document intent at the export site.
 */
import type { SourceSpec } from "./domain/source.ts"
import type { ExecutorPlugin, ProfilePlugin, SourcePlugin } from "./plugin.ts"

/**
 * Declares a source plugin; a plugin module default-exports the result.
 *
 * @since 0.1.0
 * @category constructors
 */
export function defineSourcePlugin<Spec extends SourceSpec>(plugin: SourcePlugin<Spec>): SourcePlugin<Spec> {
  return plugin
}

/** @since 0.1.0 @category constructors */
export function defineProfilePlugin(plugin: ProfilePlugin): ProfilePlugin {
  return plugin
}

/** @since 0.1.0 @category constructors */
export function defineExecutorPlugin(plugin: ExecutorPlugin): ExecutorPlugin {
  return plugin
}
