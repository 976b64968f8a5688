/**
 * @module
 * A module hook for `node --import`: appends the URL of every module the
 * process loads to the file named by `FLWD_TEST_MODULE_LOG`, so a test can
 * see what a command pulled in without timing anything.
 */
import { appendFileSync } from "node:fs"
import module from "node:module"
import process from "node:process"

const log = process.env.FLWD_TEST_MODULE_LOG
if (log !== undefined) {
  module.registerHooks({
    load(url, context, next) {
      appendFileSync(log, `${url}\n`)
      return next(url, context)
    }
  })
}
