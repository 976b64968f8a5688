/**
 * @module
 * The built-in plugin set: one registration line per built-in kind. Each
 * definition is light (a kind name, Schemas, contributions and a `make`
 * that `import()`s its heavy modules), so importing this file loads no
 * registry client, sigstore library or bubblewrap probe; an engine builds
 * a kind only when it first uses it.
 *
 * Adding a built-in source kind: its folder under `plugins/sources/`, and
 * one `export` line in `engine/builtin-sources.ts`, whose exports are all
 * collected here.
 */
import type { PluginSet } from "../core/mod.ts"
import { processExecutor } from "../plugins/executors/process/plugin.ts"
import { sandboxExecutor } from "../plugins/executors/sandbox/plugin.ts"
import { builtinProfiles } from "../plugins/profiles/mod.ts"
import * as sources from "./builtin-sources.ts"

/**
 * The plugins every engine has.
 *
 * @since 0.2.0
 * @category constructors
 */
export const builtinPlugins: PluginSet = {
  sources: Object.values(sources),
  profiles: builtinProfiles,
  executors: [processExecutor, sandboxExecutor],
  defaultExecutor: "process"
}
