/**
 * An error that is none of the OCI library's own (an fs error from the
 * operating system) escaping a pull is reported with its own message, never
 * as `blob cache: undefined`: a pull from a real registry into a destination
 * whose parent is a regular file.
 */
import t from "tap"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import {
  classifyOciError,
  makeBlobStore,
  makeRegistryClient,
  parseImageReference,
  pullImage,
  RegistryError,
  toProblem,
  UnpackError
} from "../../../plugins/oci/mod.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { buildImage, layerBlob, tarLayer } from "../../helpers/oci-image.ts"

t.setTimeout(300_000)

const registry = await startRegistry(t)
const ref = `${registry.host}/team/escape:1`
const client = makeRegistryClient({ dockerConfig: false })
t.teardown(() => Effect.runPromise(client.close))
{
  const img = await buildImage([layerBlob(await tarLayer([{ path: "hello", content: "hello" }]))])
  const repo = { registry: registry.host, repository: "team/escape" }
  await Effect.runPromise(Effect.gen(function* () {
    for (const l of img.layers) yield* client.pushBlob(repo, l.bytes)
    yield* client.pushBlob(repo, img.config.bytes)
    yield* client.putManifest(repo, "1", img.manifest.bytes, img.manifest.mediaType)
  }))
}

t.test("toProblem() of a pull failing on the file system names the fs error, not the blob cache", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "flwd-escape-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, "file"), "a regular file where a directory should be")
  const result = await Effect.runPromise(Effect.either(pullImage(client, {
    ref: parseImageReference(ref),
    store: makeBlobStore(join(dir, "store")),
    destination: () => join(dir, "file", "rootfs")
  })))
  if (result._tag !== "Left") return t.fail("the pull must fail: the destination's parent is a file")
  const problem = toProblem(result.left, ref)
  t.equal(problem.code, "E_OCI")
  t.notMatch(problem.detail, /undefined/, problem.detail)
  // mkdir answers EEXIST (recursive) or ENOTDIR, depending on where it meets the file.
  t.match(problem.detail, /\b(EEXIST|ENOTDIR)\b/, "the fs error's own message and code")
  t.match(problem.detail, join(dir, "file"), "naming the path it failed on")
})

t.test("classifyOciError() passes OCI errors through and types anything else, keeping it as cause", async (t) => {
  const io = (detail: string, cause: unknown) => new UnpackError({ reason: "io", detail, cause })
  const registryError = new RegistryError({ reason: "denied", detail: "no" })
  t.equal(classifyOciError(registryError, io), registryError)
  const fsError = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" })
  const typed = classifyOciError(fsError, io)
  t.ok(typed instanceof UnpackError)
  t.equal(typed.cause, fsError)
  t.match(toProblem(typed, "r").detail, "r: cannot unpack: ENOSPC: no space left on device, write (io)")
  t.match(toProblem(classifyOciError("a string", io)).detail, "a string")
})
