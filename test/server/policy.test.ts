/**
 * Profiles and signature policy over HTTP: the override scope, decisions
 * on `GET /events` and in a run's stream, denials in the metrics, and a
 * server that refuses to start on an invalid policy.
 */
import t from "tap"
import { generateKeyPairSync } from "node:crypto"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Policy } from "../../mod.ts"
import { cosignSign } from "../helpers/cosign.ts"
import { startRegistry } from "../helpers/registry.ts"
import { untracked } from "../helpers/untracked.ts"
import { pushAddon } from "../plugins/sources/oci/_addon.ts"
import { appFor, auth, type Frame, jsonHeaders, readSse, repoRoot, sseEvents } from "./_helpers.ts"

const pair = generateKeyPairSync("ec", { namedCurve: "P-256" })
const keyPolicy = (host: string): Policy => ({
  profile: "secure",
  allowed_registries: [host],
  trust: { keys: [{ name: "release", pem: pair.publicKey.export({ type: "spki", format: "pem" }).toString() }] }
})

/** Global events from the start of the journal until `until` holds for one. */
async function globalEvents(app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }, until: (e: Record<string, any>) => boolean) {
  const seen: Array<Record<string, any>> = []
  const res = await app.request("/events?after=0", { headers: auth() })
  await readSse(res, (f: Frame) => {
    if (f.data === undefined || f.event === undefined) return false
    const event = JSON.parse(f.data) as Record<string, any>
    seen.push(event)
    return until(event)
  })
  return seen
}

t.test("a weaker profile: 403 policy.override.denied without the scope; with it the run runs, its stream carrying the warning", async (t) => {
  const { app } = await appFor(t)
  const body = JSON.stringify({ job: "echo", profile: "permissive" })
  const denied = await app.request("/runs", { method: "POST", headers: jsonHeaders("no-policy-override"), body })
  t.equal(denied.status, 403)
  t.match(await denied.json(), { code: "policy.override.denied", status: 403 })

  const accepted = await app.request("/runs", { method: "POST", headers: jsonHeaders(), body })
  t.equal(accepted.status, 202)
  const run = await accepted.json() as { id: string; profile: string }
  t.equal(run.profile, "permissive")
  const events = await sseEvents(await app.request(`/runs/${run.id}/events`, { headers: auth() }))
  t.match(events.slice(0, 2), [
    { type: "run.queued", run_id: run.id },
    {
      type: "policy.decision",
      run_id: run.id,
      data: {
        decision: "warn",
        code: "policy.override",
        subject: "echo",
        profile: "permissive",
        reason: "profile weakened from secure to permissive by request"
      }
    }
  ])
  const journal = await globalEvents(app, (e) => e.type === "policy.decision" && e.run_id === run.id)
  t.match(journal.filter((e) => e.type === "policy.decision").map((e) => [e.data.decision, e.data.code]), [
    ["deny", "policy.override.denied"],
    ["warn", "policy.override"],
    ["warn", "policy.override"]
  ], "the denial, the override when planned, and again with the run's id")
})

t.test("signature decisions are on GET /events and denials in flwd_policy_denials_total", async (t) => {
  const registry = await startRegistry(t)
  const unsigned = await pushAddon(registry.url, "example/unsigned", "1.0.0")
  const signed = await pushAddon(registry.url, "example/addon", "1.0.0")
  await cosignSign(registry.url, "example/addon", signed, pair.privateKey)
  const { app } = await appFor(t, {}, { policy: keyPolicy(registry.host) })
  const source = (name: string, repo: string) =>
    app.request("/sources", {
      method: "POST",
      headers: jsonHeaders(),
      body: JSON.stringify({ type: "oci", name, ref: `${registry.host}/${repo}:1.0.0`, trusted: true })
    })

  const refused = await source("unsigned", "example/unsigned")
  t.equal(refused.status, 422)
  t.match(await refused.json(), {
    code: "image.signature.required",
    detail: /no signature found: tried cosign tag/,
    errors: [{ path: "ref", message: /^no signature was found \(looked for /u }]
  })
  const added = await source("addon", "example/addon")
  t.equal(added.status, 201)
  t.match(await added.json(), { provenance: { digest: signed, image_trust: { mode: "required", verified: true, signer: "key:release" } } })
  const planned = await app.request("/plans", {
    method: "POST",
    headers: jsonHeaders(),
    body: JSON.stringify({ job: "addon/hello-world", args: { name: "Alice" } })
  })
  const plan = await planned.json() as Record<string, any>
  t.equal(planned.status, 200, JSON.stringify(plan))
  t.match(plan.provenance, { image_trust: { verified: true, signer: "key:release" } })

  const events = await globalEvents(app, (e) => e.type === "source.added")
  t.match(events.filter((e) => e.type === "policy.decision").map((e) => e.data), [
    { decision: "allow", code: "image.registry.allowed", subject: registry.host, profile: "secure" },
    {
      decision: "deny",
      code: "image.signature.required",
      subject: `${registry.host}/example/unsigned:1.0.0@${unsigned}`,
      reason: /^no signature found/,
      profile: "secure"
    },
    { decision: "allow", code: "image.registry.allowed" },
    { decision: "allow", code: "image.signature.verified", reason: /^signed by key:release/ }
  ])

  // Events reach the metrics asynchronously; poll a bounded number of times.
  let text = ""
  for (let i = 0; i < 200 && !/flwd_policy_denials_total\{reason="image.signature.required"\} 1/.test(text); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 25))
    text = await (await app.request("/metrics")).text()
  }
  t.match(text, /flwd_policy_denials_total\{reason="image.signature.required"\} 1/)
})

t.test("the server refuses to start on an invalid policy, naming the field", async (t) => {
  const dir = t.testdir()
  const file = join(dir, "flwd.policy.yaml")
  writeFileSync(file, 'allowed_registries: ["registry.example.com.", "https://registry.example.com"]\ntrust:\n  keys: [{ name: ci, pem: nonsense }]\n')
  const run = (args: ReadonlyArray<string>) =>
    new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(...untracked([process.execPath, ...args]), {
        cwd: repoRoot,
        env: { ...process.env, NODE_NO_WARNINGS: "1", FLWD_TOKENS: "" },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stderr = ""
      let stdout = ""
      child.stderr.on("data", (d) => (stderr += d))
      child.stdout.on("data", (d) => (stdout += d))
      child.on("exit", (code) => resolve({ code, stderr, stdout }))
    })
  const server = await run(["server/main.ts", "--dev", "--bind", "127.0.0.1:0", "--policy", file, "--data-dir", join(dir, "data")])
  t.equal(server.code, 1)
  t.notMatch(server.stdout, /listening/)
  t.match(server.stderr, new RegExp(`policy.invalid: Invalid policy file ${file}`))
  t.match(server.stderr, /allowed_registries\[1\]: must be host or host:port without a scheme/)

  writeFileSync(file, "trust:\n  keys: [{ name: ci, pem: nonsense }]\n")
  const serve = await run(["cli/main.ts", ":serve", "--dev", "--bind", "127.0.0.1:0", "--policy", file, "--data-dir", join(dir, "data")])
  t.equal(serve.code, 2)
  t.match(serve.stderr, /trust\.keys\[0\]\.pem: key ci is not a PEM public key/)
})
