/**
 * @module
 * A module hook for `node --import`: appends the URL of every module the
 * process resolves (and so loads) to the file named by
 * `FLWD_TEST_MODULE_LOG`, so a test can see what a command pulled in
 * without timing anything.
 */
import { appendFileSync } from "node:fs"
import module from "node:module"
import process from "node:process"

const log = process.env.FLWD_TEST_MODULE_LOG
if (log !== undefined) {
  // A resolve hook only observes: a load hook that passes a CommonJS
  // module through can trip Node's check of the returned source.
  module.registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context)
      appendFileSync(log, `${resolved.url}\n`)
      return resolved
    }
  })
}
