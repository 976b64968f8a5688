/**
 * @module
 * A private Sigstore for tests: the `@sigstore/mock` Fulcio (with its CT
 * log), Rekor and TSA served on a loopback port, a `trusted_root.json`
 * generated for them (sigstore protobuf-specs `TrustedRoot`), and bundles
 * made by the real `sigstore` signer against them. Nothing leaves loopback.
 */
import { createHash, generateKeyPairSync } from "node:crypto"
import { createServer } from "node:http"
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler } from "@sigstore/mock"
import { attest, sign } from "sigstore"

/** What the helper needs from a tap test. */
export interface Teardown {
  teardown(fn: () => unknown): void
}

/** Clocks of the mock services; each defaults to the real time. */
export interface MockClocks {
  /** When Fulcio issues certificates (valid for 10 minutes from then). */
  readonly ca?: Date
  /** The integrated time Rekor writes. */
  readonly tlog?: Date
  /** The time the TSA stamps; default a minute after the services start (see `tsaClock`). */
  readonly tsa?: Date
}

export interface MockSigstore {
  readonly url: string
  /** The trusted root for these services, as `trusted_root.json` text. */
  readonly trustedRoot: string
  /** An OIDC token the mock Fulcio accepts (it does not check the signature). */
  readonly token: (claims: { readonly iss: string; readonly sub: string }) => string
}

type HandlerFn = (body: string) => Promise<{ statusCode: number; response: string | ArrayBufferView; contentType?: string }>

/**
 * The real Rekor stores a proposed `dsse` entry in its canonical form
 * (rekor `pkg/types/dsse/v0.0.1`: hashes of the envelope and payload, and
 * the signatures with their verifiers); the mock stores what it is sent, so
 * the body is canonicalised here before it is logged.
 */
function canonicalEntry(path: string, body: string): string {
  if (path !== "/api/v1/log/entries") return body
  const entry = JSON.parse(body) as { kind?: string; apiVersion?: string; spec?: { proposedContent?: { envelope: string; verifiers: Array<string> } } }
  const proposed = entry.spec?.proposedContent
  if (entry.kind !== "dsse" || proposed === undefined) return body
  const envelope = JSON.parse(proposed.envelope) as { payload: string; signatures: Array<{ sig: string }> }
  const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex")
  return JSON.stringify({
    apiVersion: entry.apiVersion,
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: sha(proposed.envelope) },
      payloadHash: { algorithm: "sha256", value: sha(Buffer.from(envelope.payload, "base64")) },
      signatures: envelope.signatures.map((s) => ({ signature: s.sig, verifier: proposed.verifiers[0] }))
    }
  })
}

const b64 = (b: ArrayBufferView | Buffer): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64")
const b64url = (s: string): string => Buffer.from(s).toString("base64url")
const DAY = 24 * 60 * 60 * 1000

/**
 * The mock TSA stamps a fixed time. asn1js writes GeneralizedTime fractions
 * without trailing zeros (`.12Z`) while @sigstore/core reads exactly three
 * digits, so the milliseconds are pinned to 123; a minute ahead keeps the
 * stamp inside the validity of certificates issued while a test file runs.
 */
function tsaClock(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000 + 60_123)
}

/**
 * Starts mock Fulcio, Rekor and TSA on one loopback port and returns their
 * trusted root. Services are stopped on teardown.
 */
export async function startMockSigstore(t: Teardown, clocks: MockClocks = {}): Promise<MockSigstore> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  t.teardown(() =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  )

  const key = () => generateKeyPairSync("ec", { namedCurve: "P-256" })
  const ctKey = key()
  const ctlog = await initializeCTLog(ctKey, clocks.ca)
  const ca = await initializeCA(key(), ctlog, clocks.ca)
  const tlogKey = key()
  const tlog = await initializeTLog(url, tlogKey, clocks.tlog)
  const tsa = await initializeTSA(key(), clocks.tsa ?? tsaClock())

  const handlers = new Map<string, HandlerFn>()
  for (const h of [fulcioHandler(ca), rekorHandler(tlog), tsaHandler(tsa)]) handlers.set(h.path, h.fn as HandlerFn)
  server.on("request", async (req, res) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const fn = req.method === "POST" ? handlers.get(req.url ?? "") : undefined
    if (fn === undefined) {
      res.writeHead(404).end()
      return
    }
    const out = await fn(canonicalEntry(req.url ?? "", Buffer.concat(chunks).toString("utf8")))
    const body = typeof out.response === "string" ? out.response : Buffer.from(out.response.buffer, out.response.byteOffset, out.response.byteLength)
    res.writeHead(out.statusCode, { "content-type": out.contentType ?? "text/plain" }).end(body)
  })

  const spki = (k: { export: (o: { format: "der"; type: "spki" }) => Buffer }) => k.export({ format: "der", type: "spki" })
  const validFor = { start: new Date(Date.now() - DAY).toISOString() }
  const logKey = (publicKeyDer: Buffer, logId: Buffer) => ({
    baseUrl: url,
    hashAlgorithm: "SHA2_256",
    publicKey: { rawBytes: b64(publicKeyDer), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor },
    logId: { keyId: b64(logId) }
  })
  const trustedRoot = JSON.stringify(
    {
      mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      tlogs: [logKey(spki(tlogKey.publicKey), createHash("sha256").update(spki(tlogKey.publicKey)).digest())],
      certificateAuthorities: [{
        subject: { organization: "sigstore.mock", commonName: "sigstore" },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor
      }],
      ctlogs: [logKey(spki(ctKey.publicKey), Buffer.from(ctlog.logID.buffer, ctlog.logID.byteOffset, ctlog.logID.byteLength))],
      timestampAuthorities: [{
        subject: { organization: "sigstore.mock", commonName: "sigstore-tsa" },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor
      }]
    },
    null,
    2
  )

  const token = (claims: { readonly iss: string; readonly sub: string }) =>
    `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify({ ...claims, aud: "sigstore" }))}.`
  return { url, trustedRoot, token }
}

/** How a bundle is witnessed. */
export interface BundleOptions {
  readonly identity: { readonly iss: string; readonly sub: string }
  /** Upload to the mock Rekor (default true). */
  readonly tlog?: boolean
  /** Ask the mock TSA for a timestamp (default false). */
  readonly tsa?: boolean
}

function signOptions(mock: MockSigstore, o: BundleOptions) {
  return {
    fulcioURL: mock.url,
    rekorURL: mock.url,
    tsaServerURL: o.tsa === true ? mock.url : undefined,
    tlogUpload: o.tlog ?? true,
    identityToken: mock.token(o.identity),
    retry: 0,
    timeout: 10_000
  }
}

/**
 * The statement cosign 3 signs for an image (in-toto v1, predicate type
 * `https://sigstore.dev/cosign/sign/v1`, the image digest as the subject).
 */
export function cosignStatement(name: string, digest: string): Buffer {
  const [algorithm, hex] = digest.split(":")
  return Buffer.from(JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name, digest: { [algorithm]: hex } }],
    predicateType: "https://sigstore.dev/cosign/sign/v1",
    predicate: {}
  }))
}

/** A DSSE bundle (v0.3) over the cosign statement for `digest`, as JSON text. */
export async function dsseBundle(mock: MockSigstore, name: string, digest: string, o: BundleOptions): Promise<string> {
  return JSON.stringify(await attest(cosignStatement(name, digest), "application/vnd.in-toto+json", signOptions(mock, o)))
}

/** A message-signature bundle (v0.3) over `bytes` (an image manifest), as JSON text. */
export async function messageBundle(mock: MockSigstore, bytes: Uint8Array, o: BundleOptions): Promise<string> {
  return JSON.stringify(await sign(Buffer.from(bytes), signOptions(mock, o)))
}
