/**
 * @module
 * The built-in source kinds: ONE line per kind, nothing else. Every export
 * of this file is a source plugin's light definition, and
 * `engine/builtin-plugins.ts` collects them all, so adding a built-in kind
 * is its folder under `plugins/sources/` and one `export` line here.
 * Exports are collected in name order; no kind depends on its position.
 */
export { gitSource } from "../plugins/sources/git/plugin.ts"
export { localSource } from "../plugins/sources/local/mod.ts"
export { ociSource } from "../plugins/sources/oci/plugin.ts"
