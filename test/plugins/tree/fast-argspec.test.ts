import t from "tap"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { ArgDef, ArgSpec } from "../../../core/mod.ts"
import { fastArgKeys, fastArgSpec } from "../../../plugins/tree/_fast-argspec.ts"

const decode = Schema.decodeUnknownEither(ArgSpec)

const args: Array<unknown> = [
  { name: "a" },
  { name: "b", type: "integer", required: true, default: 3, minimum: 1, maximum: 5, description: "d" },
  { name: "c", type: "array", items_type: "string", minItems: 0, maxItems: 2, format: "path", enum: [["x"]] },
  { name: "d", type: "string", minLength: 1, maxLength: 3, pattern: "^a", format: "secret" },
  { name: "e", type: "object", default: { k: 1 } },
  // Each of these must go to the Schema.
  { name: "bad name" },
  { name: "f", type: "strin" },
  { name: "g", minLength: -1 },
  { name: "h", minLength: 1.5 },
  { name: "i", required: "yes" },
  { name: "j", format: "url" },
  { name: "k", unknown: 1 },
  { name: "l", constructor: 1 },
  { type: "string" },
  { name: "m", enum: "a" },
  { name: "n", description: 3 },
  { name: "o", minimum: "1" },
  "just text",
  null
]

t.test("fastArgSpec() decodes exactly as the ArgSpec Schema where it answers", async (t) => {
  let answered = 0
  for (const arg of args) {
    const fast = fastArgSpec({ args: [arg] })
    const slow = decode({ args: [arg] })
    if (fast === undefined) continue
    answered++
    t.ok(Either.isRight(slow), `${JSON.stringify(arg)} is valid for the Schema too`)
    if (Either.isRight(slow)) t.same(fast, slow.right, JSON.stringify(arg))
  }
  t.equal(answered, 5, "the well-formed args take the fast path")
  t.equal(fastArgSpec({ args: [], extra: 1 }), undefined)
  t.equal(fastArgSpec([]), undefined)
})

t.test("fastArgSpec() knows exactly the fields of ArgDef", async (t) => {
  t.same([...fastArgKeys].sort(), Object.keys(ArgDef.fields).sort())
})
