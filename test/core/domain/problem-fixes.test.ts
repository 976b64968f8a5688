/**
 * Every problem code says how to fix it: the API's problem documents and
 * the CLI's `fix:` line both read the table, so a code added without a fix
 * fails here rather than reaching a user as a bare refusal.
 */
import t from "tap"
import { problemCodes, problemFix, type ProblemCode } from "../../../core/mod.ts"

t.test("every code in the problem table has a fix", async (t) => {
  const codes = Object.keys(problemCodes) as ReadonlyArray<ProblemCode>
  const missing = codes.filter((code) => {
    const entry: { readonly fix?: string } = problemCodes[code]
    return typeof entry.fix !== "string" || entry.fix.trim().length < 10
  })
  t.same(missing, [], "codes without a fix")
})

t.test("a conditional fix shows only for the cause it is about", async (t) => {
  t.match(problemFix({ code: "E_OCI", detail: "GET /v2/x/manifests/1: HTTP 401 (unauthorized)" }), /docker login.*config\.json.*REGISTRY_AUTH_FILE/)
  t.equal(problemFix({ code: "E_OCI", detail: "manifest unknown: HTTP 404" }), undefined)
})

t.test("the CLI's fix names the CLI's flag", async (t) => {
  const problem = { code: "source.trust.required" as const, detail: "Source a: an oci source must be trusted explicitly" }
  t.match(problemFix(problem, "cli"), /--trusted/)
  t.match(problemFix(problem), /"trusted": true/)
})
