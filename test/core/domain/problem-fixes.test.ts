/**
 * Every problem code says how to fix it: the API's problem documents and
 * the CLI's `fix:` line both read the table, so a code added without a fix
 * fails here rather than reaching a user as a bare refusal.
 */
import t from "tap"
import * as Either from "effect/Either"
import { assembleContributions, problemFix, SourceError } from "../../../core/mod.ts"
import { builtinPlugins } from "../../../engine/builtin-plugins.ts"

// The table an engine with the built-in plugins has: core's codes plus each plugin's.
const table = Either.getOrThrow(assembleContributions(builtinPlugins)).problems

t.test("every code in the assembled problem table has a fix", async (t) => {
  const missing = Object.entries(table).filter(([, entry]) => typeof entry.fix !== "string" || entry.fix.trim().length < 10).map(([code]) => code)
  t.same(missing, [], "codes without a fix")
  t.ok("E_OCI" in table && "source.invalid" in table, "plugins' codes beside core's")
})

t.test("a conditional fix shows only for the cause it is about", async (t) => {
  t.match(
    problemFix({ code: "E_OCI", detail: "GET /v2/x/manifests/1: HTTP 401 (unauthorized)" }, "api", table),
    /docker login.*config\.json.*REGISTRY_AUTH_FILE/
  )
  t.equal(problemFix({ code: "E_OCI", detail: "manifest unknown: HTTP 404" }, "api", table), undefined)
  t.equal(problemFix({ code: "E_OCI", detail: "HTTP 401 (unauthorized)" }), undefined, "core's table alone does not know a plugin's code")
})

t.test("a plugin's error carries its entry: status and title wherever it travels", async (t) => {
  const e = new SourceError({ code: "E_OCI", detail: "HTTP 401 (unauthorized)", problem: table.E_OCI })
  t.equal(e.status, 502)
  t.equal(e.title, table.E_OCI.title)
  t.match(problemFix(e), /docker login/, "the entry it carries gives the fix without the table")
  // @ts-expect-error a code that is neither the area's nor carries an entry does not compile
  t.equal(new SourceError({ code: "plugin.unknown.code", detail: "x" }).status, 500, "an unknown code without an entry is an internal error")
})

t.test("the CLI's fix names the CLI's flag", async (t) => {
  const problem = { code: "source.trust.required" as const, detail: "Source a: an oci source must be trusted explicitly" }
  t.match(problemFix(problem, "cli"), /--trusted/)
  t.match(problemFix(problem), /"trusted": true/)
})
