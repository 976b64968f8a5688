/**
 * @module
 * undici, loaded on first use. Every flwd command imports the OCI source;
 * only the ones that talk to a registry should pay for loading the HTTP
 * client (a large share of a cold CLI start otherwise).
 */
import { createRequire } from "node:module"

type Undici = typeof import("undici")

const require = createRequire(import.meta.url)
let loaded: Undici | undefined

/** The undici module, required synchronously the first time it is needed. */
export function undici(): Undici {
  return (loaded ??= require("undici") as Undici)
}
