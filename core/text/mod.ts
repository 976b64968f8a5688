/**
 * @module
 * Text helpers shared by the engine and the entrypoints; no dependencies.
 */
export { distance, suggest } from "./suggest.ts"
