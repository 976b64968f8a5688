/**
 * @module
 * The PostgreSQL store's options checked alone: the light entry the engine
 * uses to refuse a bad `--store` URL before anything starts, without
 * loading the store or its driver (which a start on SQLite never needs).
 *
 * @example
 * ```ts
 * import { check } from "./plugins/stores/postgres/options/mod.ts"
 * ```
 */
export { check, type Checked, redact } from "../_options.ts"
