import t from "tap"
import { orderSteps } from "../../../plugins/tree/mod.ts"

const step = (id: string, ...needs: Array<string>) => ({ id, argv: [`./${id}.sh`], needs })

t.test("orderSteps() puts every step after the steps it needs, keeping the written order otherwise", async (t) => {
  const { steps, errors } = orderSteps([step("d", "b", "c"), step("c", "a"), step("b", "a"), step("a"), step("e")])
  t.same(errors, [])
  t.same(steps.map((s) => s.id), ["a", "c", "b", "d", "e"])
})

t.test("orderSteps() reports duplicates, unknown needs and cycles", async (t) => {
  t.same(orderSteps([step("a"), step("a")]).errors, [{ path: "steps[1].id", message: 'duplicates steps[0].id "a"' }])
  t.same(orderSteps([step("a", "zz")]).errors, [{ path: "steps[0].needs", message: 'names an unknown step "zz"' }])
  t.same(orderSteps([step("a", "b"), step("b", "a"), step("c")]), {
    steps: [],
    errors: [{ path: "steps[0].needs", message: "steps form a cycle: a → b → a" }]
  })
})
