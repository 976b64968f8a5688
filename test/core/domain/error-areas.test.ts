/**
 * One error model: each area's error takes its own codes, or a plugin's
 * code with its entry. The `@ts-expect-error` lines are the test of the
 * types: `npm run typecheck` fails if any of them compiles.
 */
import t from "tap"
import { codeOf, ConfigError, messageOf, PolicyError, type ProblemInfo, RunError, SourceError, StoreError } from "../../../core/mod.ts"

const entry: ProblemInfo = { status: 418, title: "A plugin's own problem" }

t.test("an area's error takes its own codes and keeps their status and title", async (t) => {
  t.equal(new RunError({ code: "run.not.found", detail: "No run" }).status, 404)
  t.equal(new SourceError({ code: "discovery.collision", detail: "two ids" }).status, 409)
  t.equal(new ConfigError({ code: "policy.invalid", detail: "Invalid policy file" }).status, 422)
  t.equal(new StoreError({ code: "store.failed", detail: "disk full" }).title, "Store failed")
})

t.test("a code from another area does not compile", async (t) => {
  // @ts-expect-error a source code on a run's error
  const run = new RunError({ code: "source.not.found", detail: "x" })
  // @ts-expect-error a run code on a policy's error
  const policy = new PolicyError({ code: "run.timeout", detail: "x" })
  // @ts-expect-error a misspelt core code is no plugin code: it has no entry
  const source = new SourceError({ code: "source.not.fund", detail: "x" })
  t.equal(run.code, "source.not.found", "the types refuse what the runtime would carry")
  t.equal(policy.status, 504)
  t.equal(source.status, 500, "an unknown code without an entry is an internal error")
})

t.test("a plugin's code is admitted with its entry, which gives status and title", async (t) => {
  const e = new SourceError({ code: "teapot.brewing", problem: entry, detail: "busy" })
  t.equal(e.status, 418)
  t.equal(e.title, "A plugin's own problem")
  t.equal(e.message, "teapot.brewing: busy")
})

t.test("codeOf() and messageOf() read a caught value without trusting its shape", async (t) => {
  const caught = (f: () => void): unknown => {
    try {
      f()
    } catch (e) {
      return e
    }
  }
  const enoent = caught(() => {
    throw Object.assign(new Error("no such file"), { code: "ENOENT" })
  })
  t.equal(codeOf(enoent), "ENOENT")
  t.equal(messageOf(enoent), "no such file")
  t.equal(
    codeOf(caught(() => {
      throw "a string"
    })),
    undefined
  )
  t.equal(
    messageOf(caught(() => {
      throw "a string"
    })),
    "a string"
  )
  t.equal(codeOf({ code: 42 }), undefined, "a code that is not a string is none")
  t.equal(messageOf({ message: "shaped like an error" }), "shaped like an error")
})
