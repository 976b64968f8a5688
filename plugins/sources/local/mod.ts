/**
 * @module
 * The `local` source plugin (alias `fs`) and the loader of the root job tree.
 *
 * @example
 * ```ts
 * import { localSource, loadRootTree } from "./plugins/sources/local/mod.ts"
 *
 * const plugins = { sources: [localSource], profiles: [], executors: [] }
 * const root = loadRootTree("jobs") // Effect<LoadedSource, SourceError>
 * ```
 */
export { loadRootTree, localSource, LocalSourceSpec, resolveLocalRoot } from "./local-source.ts"
