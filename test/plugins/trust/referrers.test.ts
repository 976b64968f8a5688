/**
 * The referrers API path. docker-registry 2.8 lacks the API, so a tiny
 * loopback front answers `GET /v2/<name>/referrers/<digest>` itself and
 * passes everything else to the real registry (or answers 404 when there is
 * none): a registry with the API, a hostile one listing 10,000 referrers,
 * one answering too much, one demanding credentials.
 */
import t from "tap"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Either from "effect/Either"
import type { ImageTrust, VerifyError } from "../../../plugins/trust/mod.ts"
import { attachBundle, BUNDLE_V03, digestTag } from "../../helpers/cosign.ts"
import { sha256 } from "../../helpers/oci-image.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { dsseBundle, startMockSigstore } from "./_sigstore-mock.ts"
import { forbiddenRootLoader, type PushedImage, pushTestImage, tempDir, verify } from "./_setup.ts"

type Referrers = (req: IncomingMessage, res: ServerResponse, repo: string, digest: string) => Promise<void> | void

interface Front {
  readonly host: string
  readonly seen: Array<string>
}

/** A loopback registry front: referrers from `referrers`, the rest from `upstream` (or 404). */
async function startFront(t: { teardown: (fn: () => unknown) => void }, referrers: Referrers, upstream?: string): Promise<Front> {
  const seen: Array<string> = []
  const server = createServer(async (req, res) => {
    const path = req.url ?? "/"
    seen.push(`${req.method} ${path}`)
    const m = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})(\?.*)?$/.exec(path)
    if (m !== null) return referrers(req, res, m[1], m[2])
    if (upstream === undefined) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "unknown" }] }))
      return
    }
    const answer = await fetch(`${upstream}${path}`, { method: req.method, headers: { accept: req.headers.accept ?? "*/*" } })
    const headers: Record<string, string> = {}
    for (const name of ["content-type", "docker-content-digest", "content-length"]) {
      const v = answer.headers.get(name)
      if (v !== null) headers[name] = v
    }
    res.writeHead(answer.status, headers).end(Buffer.from(await answer.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  t.teardown(() =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  )
  const address = server.address()
  return { host: `127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`, seen }
}

const index = (manifests: ReadonlyArray<object>) =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests }))

function answer(res: ServerResponse, body: Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(200, { "content-type": "application/vnd.oci.image.index.v1+json", "content-length": String(body.length), ...extra }).end(body)
}

const registry = await startRegistry(t)
const mock = await startMockSigstore(t)
const ISSUER = "https://issuer.test"
const SUBJECT = "https://ci.test/acme/release"
const dir = tempDir(t)
writeFileSync(join(dir, "trusted_root.json"), mock.trustedRoot)
const policy = { trust: { keyless: [{ issuer: ISSUER, subject: SUBJECT }], trusted_root: "trusted_root.json" } }

const check = (image: PushedImage, host: string) =>
  verify({ policy, policyDir: dir, rootLoader: forbiddenRootLoader([]) }, { ...image, ref: { registry: host, repository: image.repo } })

function failed(r: Either.Either<ImageTrust, VerifyError>): VerifyError {
  if (Either.isRight(r)) throw new Error(`expected failure, got ${JSON.stringify(r.right)}`)
  return r.left
}

async function signedImage(repo: string): Promise<PushedImage> {
  const image = await pushTestImage(registry.url, registry.host, repo)
  await attachBundle(registry.url, repo, image.manifest, await dsseBundle(mock, repo, image.digest, { identity: { iss: ISSUER, sub: SUBJECT } }))
  return image
}

t.test("verifyImage() finds a bundle through the referrers API and skips the tag", async (t) => {
  const image = await signedImage("api/signed")
  const queries: Array<string> = []
  const front = await startFront(t, async (req, res, repo, digest) => {
    queries.push(req.url ?? "")
    // Answer from what the pusher recorded in the referrers tag, filtered as asked.
    const tagIndex = await fetch(`${registry.url}/v2/${repo}/manifests/${digestTag(digest)}`, {
      headers: { accept: "application/vnd.oci.image.index.v1+json" }
    })
    const listed = ((await tagIndex.json()) as { manifests: Array<{ artifactType?: string }> }).manifests
    answer(res, index(listed.filter((m) => m.artifactType === BUNDLE_V03)), { "oci-filters-applied": "artifactType" })
  }, registry.url)
  const r = await check(image, front.host)
  if (Either.isLeft(r)) throw r.left
  t.equal(r.right.signer, `${SUBJECT} (${ISSUER})`)
  t.same(r.right.discovery.map((p) => [p.path, p.tried, p.found, p.matched]), [
    ["cosign-tag", true, 0, false],
    ["referrers-api", true, 1, true],
    ["referrers-tag", false, 0, false]
  ])
  t.same(queries, [`/v2/api/signed/referrers/${image.digest}?artifactType=${encodeURIComponent(BUNDLE_V03)}`])
  t.notOk(front.seen.some((s) => s.includes(`/manifests/${digestTag(image.digest)}`) && !s.includes(".sig")), "the referrers tag was not read")
})

t.test("verifyImage() considers at most 100 of 10,000 referrers", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "api/flood")
  const entries = Array.from({ length: 10_000 }, (_, i) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: sha256(Buffer.from(`referrer ${i}`)),
    size: 400,
    artifactType: BUNDLE_V03
  }))
  const flood = index(entries)
  t.ok(flood.length > 1_000_000, `the answer is ${flood.length} bytes`)
  const front = await startFront(t, (_req, res) => answer(res, flood))
  const e = failed(await check(image, front.host))
  t.same(e.discovery?.[1], {
    path: "referrers-api",
    tried: true,
    found: 10_000,
    matched: false,
    detail: "10000 signatures, first 100 considered, none verified"
  })
  t.equal(e.discovery?.[2].tried, false, "a registry with the API is not asked for the tag")
  const fetched = front.seen.filter((s) => /\/manifests\/sha256:/.test(s))
  t.equal(fetched.length, 100, "one manifest request per considered referrer")
  t.match(e.detail, /\(99 other signatures rejected too\)/)
})

t.test("verifyImage() falls back to the referrers tag when the API answers too much", async (t) => {
  const image = await signedImage("api/huge")
  const huge = Buffer.alloc(5 * 1024 * 1024, 0x20)
  const front = await startFront(t, (_req, res) => answer(res, huge), registry.url)
  const r = await check(image, front.host)
  if (Either.isLeft(r)) throw r.left
  t.match(r.right.discovery[1], { path: "referrers-api", tried: true, matched: false, detail: /larger than 4194304 bytes/ })
  t.match(r.right.discovery[2], { path: "referrers-tag", tried: true, found: 1, matched: true })
})

t.test("verifyImage() falls back to the referrers tag when the API wants credentials", async (t) => {
  const image = await signedImage("api/private")
  const front = await startFront(t, (_req, res) => {
    res.writeHead(401, { "www-authenticate": 'Bearer realm="http://127.0.0.1:1/token"' }).end()
  }, registry.url)
  const r = await check(image, front.host)
  if (Either.isLeft(r)) throw r.left
  t.match(r.right.discovery[1], { path: "referrers-api", tried: true, detail: "needs credentials" })
  t.equal(r.right.discovery[2].matched, true)
})

t.test("verifyImage() ignores referrers that are not image signatures", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "api/sbom")
  const front = await startFront(t, (_req, res) =>
    answer(
      res,
      index([
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha256(Buffer.from("sbom")), size: 10, artifactType: "application/spdx+json" },
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: sha256(Buffer.from("att")),
          size: 10,
          artifactType: BUNDLE_V03,
          annotations: { "dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1" }
        }
      ])
    ))
  const e = failed(await check(image, front.host))
  t.equal(e.reason, "no-signature")
  t.match(e.detail, "referrers API (2 referrers, no signature bundle)")
  t.notOk(front.seen.some((s) => /\/manifests\/sha256:/.test(s)), "nothing was fetched for them")
})
