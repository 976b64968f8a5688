/**
 * `--json` prints what the HTTP API answers for the same thing: lists as
 * `{items: [...]}`, snake_case keys throughout, so a script written against
 * one works against the other. Checked against the real server
 * (`flwd :serve --dev`) on the same job tree and data directory.
 */
import t from "tap"
import { remoteSandbox } from "./_remote.ts"

const { url, local, remote, box } = await remoteSandbox(t)

async function api(path: string): Promise<unknown> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: "Bearer dev-token" } })
  t.equal(res.status, 200, `GET ${path}`)
  return res.json()
}

/** Every key of `value`, however deep, that is not snake_case. */
function camelKeys(value: unknown, path = "$", skip: ReadonlyArray<string> = []): Array<string> {
  if (Array.isArray(value)) return value.flatMap((v, i) => camelKeys(v, `${path}[${i}]`, skip))
  if (value === null || typeof value !== "object") return []
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/[A-Z]/.test(k) ? [`${path}.${k}`] : []),
    ...(skip.includes(k) ? [] : camelKeys(v, `${path}.${k}`, skip))
  ])
}

t.test(":jobs --json is GET /jobs", async (t) => {
  const r = await local(":jobs", "--json")
  t.equal(r.code, 0, r.stderr)
  const cli = JSON.parse(r.stdout) as { items: Array<Record<string, unknown>> }
  t.same(cli, await api("/jobs"), "the same document")
  t.ok(cli.items.length > 0)
  t.match(cli.items.find((j) => j.id === "hello-world"), { id: "hello-world", name: String, local_id: "hello-world", source: { name: String } })
  // args_schema is JSON Schema, whose own keywords are camelCase.
  t.same(camelKeys(cli, "$", ["args_schema"]), [])
  t.same(JSON.parse((await remote(":jobs", "--json")).stdout), cli, "and --remote prints the same")
})

t.test(":sources --json is GET /sources", async (t) => {
  const added = await remote(":sources", "add", "--type", "local", "--name", "team", "--path", "./team", "--json")
  t.equal(added.code, 0, added.stderr)
  const r = await remote(":sources", "--json")
  t.equal(r.code, 0, r.stderr)
  const cli = JSON.parse(r.stdout) as { items: Array<Record<string, unknown>> }
  t.same(cli, await api("/sources"), "the same document")
  t.ok(cli.items.some((s) => s.name === "team"))
  // In-process, the engine's own records: the same shape.
  const inProcess = JSON.parse((await local(":sources", "list", "--json")).stdout) as { items: Array<Record<string, unknown>> }
  t.same(inProcess.items.map((s) => Object.keys(s).sort()), cli.items.map((s) => Object.keys(s).sort()))
})

t.test(":gc --json is snake_case", async (t) => {
  const r = await box.flwd([":gc", "--dry-run", "--json"])
  t.equal(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as Record<string, unknown>
  t.same(camelKeys(doc), [])
  t.match(doc, { rootfs: Array, blobs: Array, pins: Array, freed_bytes: Number, dry_run: true })
})
