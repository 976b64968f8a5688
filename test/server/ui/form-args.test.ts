import * as Effect from "effect/Effect"
import t from "tap"
import { type ArgSpec, compileArgSpec } from "../../../core/mod.ts"
import { argFields, formArgs, formValues, prefillValues } from "../../../server/ui/form-args.ts"

const spec: ArgSpec = {
  args: [
    { name: "who", type: "string", required: true, description: "Who" },
    { name: "count", type: "integer", default: 2, minimum: 1 },
    { name: "ratio", type: "number" },
    { name: "loud", type: "boolean", default: true },
    { name: "tags", type: "array", items_type: "string" },
    { name: "sizes", type: "array", items_type: "integer" },
    { name: "extra", type: "object", default: { a: 1 } },
    { name: "token", type: "string", format: "secret", default: "hunter2" }
  ]
}
// The JSON Schema the API serves, as the form reads it.
const fields = argFields(compileArgSpec(spec).jsonSchema)

t.test("argFields() reads types, requirement, secrets and constraints from the JSON Schema", async (t) => {
  t.same(fields.map((f) => [f.name, f.type]), spec.args.map((a) => [a.name, a.type]))
  const by = (n: string) => fields.find((f) => f.name === n)!
  t.equal(by("who").required, true)
  t.equal(by("count").required, false, "a default makes it optional")
  t.equal(by("count").minimum, 1)
  t.equal(by("sizes").items, "integer")
  t.equal(by("token").secret, true)
  t.equal(by("token").hiddenDefault, true)
  t.equal(by("token").default, undefined, "a secret's default is not in the schema")
})

t.test("formArgs() converts form strings to the schema's types", async (t) => {
  const { args, errors } = formArgs(fields, {
    "arg.who": "ada",
    "arg.count": "3",
    "arg.ratio": "0.25",
    "arg.loud": "true",
    "arg.tags": "a b\r\nc\n\n",
    "arg.sizes": ["1", "2"],
    "arg.extra": '{"k": [1]}',
    "arg.token": "s3cret"
  })
  t.same(errors, [])
  t.same(args, { who: "ada", count: 3, ratio: 0.25, loud: true, tags: ["a b", "c"], sizes: [1, 2], extra: { k: [1] }, token: "s3cret" })
})

t.test("formArgs() leaves empty inputs out, reads an absent checkbox as false, and passes what does not convert on", async (t) => {
  const { args, errors } = formArgs(fields, { "arg.who": "", "arg.count": "many", "arg.tags": "\n", "arg.sizes": "1\nx", "arg.token": "" })
  t.same(errors, [])
  t.same(args, { count: "many", loud: false, sizes: [1, "x"] })
  const decoded = await Effect.runPromise(Effect.flip(compileArgSpec(spec).decode(args)))
  t.same(decoded.errors, [
    { path: "args.who", message: "is required" },
    { path: "args.count", message: "must be an integer" },
    { path: "args.sizes", message: "element at index 1 must be an integer" }
  ], "the engine names each field")
})

t.test("formArgs() says why an object is not JSON", async (t) => {
  const { errors } = formArgs(fields, { "arg.who": "x", "arg.extra": "{nope" })
  t.equal(errors.length, 1)
  t.equal(errors[0].path, "args.extra")
  t.match(errors[0].message, /^is not valid JSON \(/)
})

t.test("prefillValues() takes arg.<name> parameters, else defaults, and never a secret", async (t) => {
  const values = prefillValues(fields, new URLSearchParams("arg.who=bob&arg.tags=x&arg.tags=y&arg.loud=false&arg.token=leak&arg.nope=1"))
  t.same(values.get("who"), ["bob"])
  t.same(values.get("tags"), ["x", "y"])
  t.same(values.get("loud"), ["false"])
  t.same(values.get("count"), ["2"], "the default")
  t.same(values.get("extra"), [JSON.stringify({ a: 1 }, null, 2)])
  t.notOk(values.has("token"))
  t.notOk(values.has("nope"))
})

t.test("formValues() keeps what was posted, defaults for fields not posted, secrets left out", async (t) => {
  const values = formValues(fields, { "arg.who": "ada", "arg.count": "", "arg.token": "s3cret", _csrf: "x" })
  t.same(values.get("who"), ["ada"])
  t.same(values.get("count"), [""], "an emptied input stays empty")
  t.same(values.get("loud"), [], "an unchecked box stays unchecked")
  t.same(values.get("extra"), [JSON.stringify({ a: 1 }, null, 2)], "a field not posted at all shows its default")
  t.notOk(values.has("token"))
})
