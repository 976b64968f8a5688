import t from "tap"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { ArgSpec } from "../../../core/domain/argspec.ts"
import { ValidationError } from "../../../core/domain/errors.ts"
import { checkArgSpec, compileArgSpec } from "../../../core/engine/args.ts"
import { redactArgs } from "../../../core/engine/public-view.ts"

const spec = (args: ArgSpec["args"]): ArgSpec => ({ args })

/** Decodes and returns either the values or the field errors. */
function decode(s: ArgSpec, input: unknown) {
  const result = Effect.runSync(Effect.either(compileArgSpec(s).decode(input)))
  return Either.isRight(result) ? { values: result.right } : { error: result.left }
}

function errorsOf(s: ArgSpec, input: unknown) {
  const result = decode(s, input)
  if (!("error" in result) || result.error === undefined) throw new Error(`expected a failure for ${JSON.stringify(input)}`)
  return result.error.errors ?? []
}

const hello = spec([
  { name: "name", type: "string", required: true, description: "Who to greet" },
  { name: "loud", type: "boolean", default: false },
  { name: "tags", type: "array", items_type: "string" },
  { name: "token", type: "string", format: "secret" }
])

t.test("compileArgSpec() decodes every type and applies defaults", async (t) => {
  const s = spec([
    { name: "s", type: "string" },
    { name: "i", type: "integer" },
    { name: "n", type: "number" },
    { name: "b", type: "boolean" },
    { name: "a", type: "array", items_type: "integer" },
    { name: "o", type: "object" },
    { name: "d", type: "string", default: "fallback" },
    { name: "l", type: "array", default: ["x"] }
  ])
  const input = { s: "x", i: 3, n: 1.5, b: true, a: [1, 2], o: { k: [1] } }
  t.same(decode(s, input).values, { ...input, d: "fallback", l: ["x"] })
  t.same(decode(s, {}).values, { d: "fallback", l: ["x"] }, "optional args without defaults stay absent")
  t.same(decode(s, undefined).values, { d: "fallback", l: ["x"] }, "no args at all is an empty object")
  t.same(decode(s, { d: null }).values, { d: "fallback", l: ["x"] }, "null means not given")
  const first = decode(s, {}).values!
  ;(first.l as Array<string>).push("mutated")
  t.same(decode(s, {}).values!.l, ["x"], "each run gets its own copy of a default")
})

t.test("compileArgSpec() reports one error per failing field", async (t) => {
  const error = decode(hello, { loud: "yes", tags: ["a", 2], extra: 1 }).error
  t.ok(error instanceof ValidationError)
  t.equal(error!.code, "args.invalid")
  t.same(error!.errors, [
    { path: "args.extra", message: "is not an argument of this job" },
    { path: "args.name", message: "is required" },
    { path: "args.loud", message: "must be true or false" },
    { path: "args.tags", message: "element at index 1 must be a string" }
  ])
  t.match(error!.detail, /args\.name is required/)
  t.same(errorsOf(hello, [1]), [{ path: "args", message: "must be an object" }, { path: "args.name", message: "is required" }])
})

t.test("compileArgSpec() checks each type", async (t) => {
  const s = spec([
    { name: "s", type: "string" },
    { name: "i", type: "integer" },
    { name: "n", type: "number" },
    { name: "b", type: "boolean" },
    { name: "a", type: "array" },
    { name: "o", type: "object" }
  ])
  t.same(errorsOf(s, { s: 1, i: 1.5, n: "1", b: "true", a: "x", o: [] }), [
    { path: "args.s", message: "must be a string" },
    { path: "args.i", message: "must be an integer" },
    { path: "args.n", message: "must be a number" },
    { path: "args.b", message: "must be true or false" },
    { path: "args.a", message: "must be an array" },
    { path: "args.o", message: "must be an object" }
  ])
  t.same(errorsOf(s, { i: "3" }), [{ path: "args.i", message: "must be an integer" }], "strings are not coerced")
})

t.test("compileArgSpec() checks every constraint", async (t) => {
  const s = spec([
    { name: "level", type: "string", enum: ["low", "high"] },
    { name: "count", type: "integer", minimum: 1, maximum: 10 },
    { name: "ratio", type: "number", minimum: 0.5 },
    { name: "code", type: "string", minLength: 2, maxLength: 4, pattern: "^[a-z]+$" },
    { name: "list", type: "array", minItems: 1, maxItems: 2 }
  ])
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ level: "mid" }, "args.level", 'must be one of "low", "high"'],
    [{ count: 0 }, "args.count", "must be at least 1"],
    [{ count: 11 }, "args.count", "must be at most 10"],
    [{ ratio: 0.1 }, "args.ratio", "must be at least 0.5"],
    [{ code: "a" }, "args.code", "must be at least 2 characters long"],
    [{ code: "abcde" }, "args.code", "must be at most 4 characters long"],
    [{ code: "AB" }, "args.code", "must match the pattern ^[a-z]+$"],
    [{ list: [] }, "args.list", "must have at least 1 items"],
    [{ list: ["a", "b", "c"] }, "args.list", "must have at most 2 items"]
  ]
  for (const [input, path, message] of cases) t.same(errorsOf(s, input), [{ path, message }], JSON.stringify(input))
  t.same(decode(s, { level: "low", count: 10, ratio: 0.5, code: "ab", list: ["a"] }).error, undefined, "values at the bounds pass")
  t.same(decode(spec([{ name: "e", type: "string", maxLength: 1 }]), { e: "😀" }).values, { e: "😀" }, "lengths count characters, not UTF-16 units")
})

t.test("compileArgSpec() rejects NUL bytes in path formats", async (t) => {
  const s = spec([
    { name: "p", type: "string", format: "path" },
    { name: "f", type: "string", format: "file" },
    { name: "d", type: "string", format: "directory" },
    { name: "many", type: "array", format: "path" }
  ])
  t.same(errorsOf(s, { p: "a\0b", f: "x\0", d: "\0", many: ["ok", "b\0d"] }).map((e) => e.message), Array(4).fill("must not contain NUL bytes"))
  t.same(decode(s, { p: "/tmp/x", f: "a.txt", d: ".", many: ["a"] }).values, { p: "/tmp/x", f: "a.txt", d: ".", many: ["a"] })
})

t.test("compileArgSpec() reads only the request's own keys", async (t) => {
  const s = spec([{ name: "constructor", type: "string" }, { name: "toString", type: "string", default: "d" }])
  t.same(decode(s, {}).values, { toString: "d" })
  t.same(errorsOf(s, JSON.parse('{"__proto__": 1}')), [{ path: "args.__proto__", message: "is not an argument of this job" }])
  t.same(redactArgs({}, ["constructor"]), {})
  t.same(checkArgSpec(spec([{ name: "__proto__", type: "string" }])), [{ path: "argspec.args[0].name", message: "is reserved" }])
})

t.test("compileArgSpec() returns the same compiled spec for the same spec object", async (t) => {
  t.equal(compileArgSpec(hello), compileArgSpec(hello))
  t.not(compileArgSpec(hello), compileArgSpec(spec([...hello.args])))
})

t.test("compileArgSpec() produces a JSON Schema", async (t) => {
  const compiled = compileArgSpec(spec([
    ...hello.args,
    { name: "count", type: "integer", minimum: 1, maximum: 3, required: true, default: 2 },
    { name: "key", type: "string", format: "secret", default: "do-not-show" },
    { name: "files", type: "array", format: "file", minItems: 1 }
  ]))
  t.same(compiled.jsonSchema, {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: {
      name: { type: "string", description: "Who to greet" },
      loud: { type: "boolean", default: false },
      tags: { type: "array", items: { type: "string" } },
      token: { type: "string", format: "secret", writeOnly: true },
      count: { type: "integer", default: 2, minimum: 1, maximum: 3 },
      key: { type: "string", format: "secret", writeOnly: true, "x-has-default": true },
      files: { type: "array", items: { type: "string", format: "file" }, minItems: 1 }
    },
    required: ["name"],
    additionalProperties: false
  })
  t.notMatch(JSON.stringify(compiled.jsonSchema), /do-not-show/, "a secret's default is never shown")
  t.same(compiled.secretNames, ["token", "key"])
})

t.test("compileArgSpec() exposes a Schema of the whole argument object", async (t) => {
  const { schema } = compileArgSpec(hello)
  t.same(Schema.decodeUnknownSync(schema)({ name: "Ada" }), { name: "Ada", loud: false })
  t.throws(() => Schema.decodeUnknownSync(schema)({ name: "Ada", other: 1 }), "unknown names are rejected")
  t.throws(() => Schema.decodeUnknownSync(schema)({}), "required names are required")
})

t.test("redactArgs() replaces secrets with ***", async (t) => {
  t.same(redactArgs({ name: "Ada", token: "s3cret" }, ["token", "absent"]), { name: "Ada", token: "***" })
})

t.test("checkArgSpec() reports problems of the argspec itself", async (t) => {
  const errors = checkArgSpec(spec([
    { name: "ok", type: "string", default: "x" },
    { name: "loud", type: "boolean", default: "yes" },
    { name: "items", type: "string", items_type: "string" },
    { name: "len", type: "integer", minLength: 1, minimum: 5, maximum: 1 },
    { name: "re", type: "string", pattern: "(" },
    { name: "level", type: "string", enum: ["a", 1], default: "b" },
    { name: "key", type: "integer", format: "secret" },
    { name: "where", type: "boolean", format: "path" },
    { name: "my-arg", type: "string" },
    { name: "my_arg", type: "string" },
    { name: "max", type: "integer", maximum: 3, default: 4 },
    { name: "none", type: "string", enum: [] }
  ]))
  t.same(errors, [
    { path: "argspec.args[1].default", message: "must be true or false" },
    { path: "argspec.args[2].items_type", message: "applies only to type array" },
    { path: "argspec.args[3].minLength", message: "applies only to type string" },
    { path: "argspec.args[3].minimum", message: "must not exceed maximum" },
    { path: "argspec.args[4].pattern", message: "is not a valid regular expression" },
    { path: "argspec.args[5].enum[1]", message: "must be a string" },
    { path: "argspec.args[5].default", message: 'must be one of "a", 1' },
    { path: "argspec.args[6].format", message: "secret applies only to type string" },
    { path: "argspec.args[7].format", message: "path applies only to strings or arrays of strings" },
    { path: "argspec.args[9].name", message: "binds to ARG_MY_ARG like argspec.args[8]" },
    { path: "argspec.args[10].default", message: "must be at most 3" },
    { path: "argspec.args[11].enum", message: "must list at least one value" }
  ])
  t.same(checkArgSpec(hello), [], "a good spec has no problems")
  t.same(checkArgSpec(spec([{ name: "x", type: "integer", default: "1" }]), (i) => `arguments.${["x"][i]}`), [
    { path: "arguments.x.default", message: "must be an integer" }
  ], "paths can follow the legacy form")
})

t.test("the JSON Schema keeps every type's default and description, constrained or not", async (t) => {
  const types = [
    { name: "ratio", type: "number", default: 0.5, description: "A ratio" },
    { name: "count", type: "integer", default: 3, description: "How many" },
    { name: "limit", type: "integer", default: 7, minimum: 1, description: "At most" },
    { name: "label", type: "string", default: "x", description: "A label" },
    { name: "loud", type: "boolean", default: true, description: "Shout" }
  ]
  const { jsonSchema } = compileArgSpec({ args: types } as never)
  const properties = jsonSchema.properties as Record<string, Record<string, unknown>>
  for (const a of types) {
    t.match(properties[a.name], { type: a.type, default: a.default, description: a.description }, a.name)
  }
  t.equal(properties.limit.minimum, 1)
})
