import t from "tap"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chainCredentials, dockerConfigCredentials, RegistryError, runCredentialHelper, staticCredentials } from "../../../plugins/oci/mod.ts"

function dir(t: { teardown: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), "flwd-creds-"))
  t.teardown(() => rmSync(d, { recursive: true, force: true }))
  return d
}

const b64 = (s: string) => Buffer.from(s).toString("base64")

t.test("dockerConfigCredentials() reads auths as the Docker CLI writes them", async (t) => {
  const d = dir(t)
  const file = join(d, "config.json")
  writeFileSync(
    file,
    JSON.stringify({
      auths: {
        "https://index.docker.io/v1/": { auth: b64("hub:pw:with:colons") },
        "127.0.0.1:5000": { auth: b64("alice:s3cret") },
        "http://localhost:5001/": { username: "bob", password: "pw" },
        "[::1]:5002": { identitytoken: "refresh-me", auth: b64("carol:") },
        "127.0.0.1:5003": { registrytoken: "raw-token" },
        "127.0.0.1:5004": {}
      }
    })
  )
  const source = dockerConfigCredentials({ path: file })
  t.same(await source("docker.io"), { username: "hub", password: "pw:with:colons" })
  t.same(await source("127.0.0.1:5000"), { username: "alice", password: "s3cret" })
  t.same(await source("localhost:5001"), { username: "bob", password: "pw" })
  t.same(await source("[::1]:5002"), { identityToken: "refresh-me", username: "carol" })
  t.same(await source("127.0.0.1:5003"), { registryToken: "raw-token" })
  t.equal(await source("127.0.0.1:5004"), null, "an empty entry is anonymous")
  t.equal(await source("127.0.0.1:9999"), null)
})

t.test("dockerConfigCredentials() treats a missing file as anonymous", async (t) => {
  const d = dir(t)
  t.equal(await dockerConfigCredentials({ path: join(d, "missing.json") })("docker.io"), null)
})

t.test("dockerConfigCredentials() names the file and the field of a malformed file", async (t) => {
  const d = dir(t)
  const failure = async (name: string, content: string) => {
    writeFileSync(join(d, name), content)
    const error: unknown = await dockerConfigCredentials({ path: join(d, name) })("127.0.0.1:5000").then(() => undefined, (e: unknown) => e)
    t.ok(error instanceof RegistryError, `${name} is refused with a RegistryError`)
    return error instanceof RegistryError ? error : undefined
  }
  const badEntry = await failure("entry.json", JSON.stringify({ auths: { "127.0.0.1:5000": { auth: 42 } } }))
  t.equal(badEntry?.reason, "credentials")
  t.match(badEntry?.message, `${join(d, "entry.json")}: auths["127.0.0.1:5000"].auth: Expected string, actual 42`)
  t.match((await failure("helpers.json", JSON.stringify({ credHelpers: [] })))?.message, `${join(d, "helpers.json")}: credHelpers: Expected`)
  t.match((await failure("broken.json", "{not json"))?.message, `${join(d, "broken.json")}: is not JSON`)
  t.match((await failure("big.json", `{"x": "${"a".repeat(1024 * 1024)}"}`))?.message, `${join(d, "big.json")}: is larger than 1 MiB`)
})

t.test("runCredentialHelper() speaks the docker-credential-helpers protocol", async (t) => {
  const d = dir(t)
  const bin = join(d, "bin")
  mkdirSync(bin)
  writeFileSync(
    join(bin, "docker-credential-test"),
    `#!/bin/sh
read server
case "$server" in
  127.0.0.1:5000) echo '{"ServerURL":"127.0.0.1:5000","Username":"alice","Secret":"pw"}' ;;
  127.0.0.1:5001) echo '{"ServerURL":"127.0.0.1:5001","Username":"<token>","Secret":"identity"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`
  )
  chmodSync(join(bin, "docker-credential-test"), 0o755)
  t.same(await runCredentialHelper("test", "127.0.0.1:5000", { helperPath: bin }), { username: "alice", password: "pw" })
  t.same(await runCredentialHelper("test", "127.0.0.1:5001", { helperPath: bin }), { identityToken: "identity" })
  t.equal(await runCredentialHelper("test", "127.0.0.1:5002", { helperPath: bin }), null)
  t.equal(await runCredentialHelper("missing", "127.0.0.1:5000", { helperPath: bin }), null, "a missing helper is anonymous")
  t.equal(await runCredentialHelper("../evil", "127.0.0.1:5000", { helperPath: bin }), null, "helper names are plain words")

  writeFileSync(join(d, "config.json"), JSON.stringify({ credHelpers: { "127.0.0.1:5000": "test" }, credsStore: "test" }))
  const source = dockerConfigCredentials({ path: join(d, "config.json"), helperPath: bin })
  t.same(await source("127.0.0.1:5000"), { username: "alice", password: "pw" }, "credHelpers")
  t.same(await source("127.0.0.1:5001"), { identityToken: "identity" }, "credsStore")
})

t.test("staticCredentials() and chainCredentials() prefer explicit options", async (t) => {
  const explicit = staticCredentials({ "https://index.docker.io/v1/": { username: "a", password: "1" }, "127.0.0.1:5000": { username: "b", password: "2" } })
  const fallback = staticCredentials({ "127.0.0.1:5000": { username: "c", password: "3" }, "127.0.0.1:5001": { username: "d", password: "4" } })
  const chain = chainCredentials(explicit, fallback)
  t.same(await chain("docker.io"), { username: "a", password: "1" })
  t.same(await chain("127.0.0.1:5000"), { username: "b", password: "2" })
  t.same(await chain("127.0.0.1:5001"), { username: "d", password: "4" })
  t.equal(await chain("127.0.0.1:5002"), null)
})
