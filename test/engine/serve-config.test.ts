/**
 * The server reads `flwd.yaml`: its bind, its tokens (by digest), its
 * plugins and its declared sources, which are planned and run end to end.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { helloTree, sha256, staticServer, tarGz } from "../../examples/plugins/http-archive/test/_archive.ts"
import { tempDir } from "../helpers/engine.ts"
import { untracked } from "../helpers/untracked.ts"

const repo = resolve(import.meta.dirname, "..", "..")
const plugin = join(repo, "examples", "plugins", "http-archive", "mod.ts")

function serve(args: ReadonlyArray<string>, cwd: string) {
  const env = { ...process.env, NODE_NO_WARNINGS: "1", FLWD_TOKENS: "", FLWD_CONFIG: "" }
  const child = spawn(...untracked([process.execPath, join(repo, "server", "main.ts"), ...args], env), { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
  let stderr = ""
  child.stderr.on("data", (d) => (stderr += d))
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)))
  const url = new Promise<string>((res, rej) => {
    let out = ""
    child.stdout.on("data", (d) => {
      out += d
      const m = /flwd listening on (http:\/\/\S+)/.exec(out)
      if (m !== null) res(m[1])
    })
    void exited.then((code) => rej(new Error(`exited ${code}: ${stderr}`)))
  })
  url.catch(() => undefined)
  return { child, url, exited, stderr: () => stderr }
}

t.test(":serve takes bind, tokens, plugins and declared sources from flwd.yaml", async (t) => {
  const dir = tempDir(t)
  const archive = await tarGz(helloTree("Served from the archive,"))
  const files = await staticServer({ "/tools.tar.gz": archive })
  t.teardown(files.stop)
  const token = "config-token-123"
  writeFileSync(
    join(dir, "flwd.yaml"),
    [
      "bind: 127.0.0.1:0",
      "data_dir: data",
      "root: jobs",
      "tokens:",
      `  - { token_sha256: ${createHash("sha256").update(token).digest("hex")}, scopes: ["*"] }`,
      `plugins: [${JSON.stringify(plugin)}]`,
      "sources:",
      `  - { type: http-archive, name: tools, url: ${JSON.stringify(files.url("/tools.tar.gz"))}, sha256: "${sha256(archive)}" }`,
      `  - { type: http-archive, name: broken, url: ${JSON.stringify(files.url("/tools.tar.gz"))}, sha256: "${"0".repeat(64)}" }`,
      ""
    ].join("\n")
  )
  const server = serve(["--config", join(dir, "flwd.yaml")], dir)
  t.teardown(() => void server.child.kill("SIGKILL"))
  const url = await server.url
  // The plugin fails with its own problem code, which the server reports like any other.
  t.match(server.stderr(), /declared source broken is not loaded: archive\.digest\.mismatch/)
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" }
  t.equal((await fetch(`${url}/sources`, { headers: { authorization: "Bearer wrong" } })).status, 401)
  const sources = await (await fetch(`${url}/sources`, { headers })).json() as { items?: Array<Record<string, any>> } | Array<Record<string, any>>
  const list = Array.isArray(sources) ? sources : sources.items ?? []
  t.match(list.find((s) => s.name === "tools"), { status: "ready", spec: { declared: true } })
  const started = await fetch(`${url}/runs`, { method: "POST", headers, body: JSON.stringify({ job: "tools/hello", args: { who: "Bo" } }) })
  t.equal(started.status, 202)
  const { id } = await started.json() as { id: string }
  const events = await (await fetch(`${url}/runs/${id}/events?format=ndjson`, { headers })).text()
  t.match(events, /Served from the archive, Bo/)
  t.match(events, /"run\.finished"/)
  server.child.kill("SIGTERM")
  t.equal(await server.exited, 0)
})

t.test(":serve refuses an invalid flwd.yaml, naming the field", async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, "flwd.yaml"), "bind: 127.0.0.1:0\ntokens:\n  - { token: x, scopes: [jobs:write] }\n")
  const server = serve(["--config", join(dir, "flwd.yaml")], dir)
  t.equal(await server.exited, 1)
  t.match(server.stderr(), /config\.invalid/)
  t.match(server.stderr(), /tokens\[0\]\.scopes\[0\]/)
})
