/**
 * @module
 * Loading plugin modules by path or package name: resolution, import,
 * validation of the default export, and one owner per kind name.
 *
 * @example
 * ```ts
 * import { loadPlugins } from "./plugins/loader/mod.ts"
 *
 * const { set } = await loadPlugins([{ specifier: "./my-source.ts", base: process.cwd(), from: "--plugin" }])
 * ```
 */
export { type LoadedPluginModule, loadPluginModule, loadPlugins, type LoadPluginsOptions, type PluginModuleRef } from "./load-plugins.ts"
export { isPathSpecifier, resolvePluginModule } from "./resolve-module.ts"
export { claims, type Definition, validateExport } from "./validate.ts"
