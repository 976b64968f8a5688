/**
 * A small token issuer for the distribution token auth spec: `GET
 * /token?service=&scope=` (Basic credentials optional) and the OAuth2
 * `POST /token` refresh-token grant. Tokens are ES256 JWTs carrying the
 * signing certificate in `x5c`, which `docker-registry` (`auth: token`)
 * verifies against the bundle in test/fixtures/oci.
 */
import { createPrivateKey, randomBytes, sign } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage } from "node:http"
import { join } from "node:path"

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "oci")
const certPem = readFileSync(join(fixtures, "token-issuer.crt"), "utf8")
const key = createPrivateKey(readFileSync(join(fixtures, "token-issuer.key"), "utf8"))
const certDer = certPem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "")

export interface IssuerOptions {
  /** user → password; these users get every action they ask for. */
  readonly users?: Readonly<Record<string, string>>
  /** identity (refresh) token → user, for the OAuth2 grant. */
  readonly refreshTokens?: Readonly<Record<string, string>>
  /** Whether anonymous callers get `pull`. Default true. */
  readonly anonymousPull?: boolean
  /** Default 300 s. */
  readonly expiresIn?: number
}

export interface IssuedRequest {
  readonly method: string
  readonly scopes: ReadonlyArray<string>
  readonly user: string | null
  readonly grant?: string
}

export interface TokenIssuer {
  readonly realm: string
  readonly service: string
  readonly issuer: string
  readonly rootCertBundle: string
  readonly requests: Array<IssuedRequest>
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url")

function jwt(claims: object): string {
  const header = b64url(JSON.stringify({ typ: "JWT", alg: "ES256", x5c: [certDer] }))
  const payload = b64url(JSON.stringify(claims))
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" })
  return `${header}.${payload}.${b64url(signature)}`
}

async function body(req: IncomingMessage): Promise<string> {
  let s = ""
  for await (const c of req) s += c
  return s
}

export async function startTokenIssuer(t: { teardown: (fn: () => unknown) => void }, options: IssuerOptions = {}): Promise<TokenIssuer> {
  const service = "flwd-test-registry"
  const issuer = "flwd-test-issuer"
  const requests: Array<IssuedRequest> = []
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    let user: string | null = null
    let scopes = url.searchParams.getAll("scope")
    let grant: string | undefined
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")
    if (basic !== null) {
      const [u, ...p] = Buffer.from(basic[1], "base64").toString().split(":")
      if (options.users?.[u] !== p.join(":")) {
        requests.push({ method: req.method ?? "", scopes, user: u })
        res.writeHead(401, { "content-type": "application/json" })
        return res.end(JSON.stringify({ details: "incorrect username or password" }))
      }
      user = u
    }
    if (req.method === "POST") {
      const form = new URLSearchParams(await body(req))
      grant = form.get("grant_type") ?? undefined
      scopes = (form.get("scope") ?? "").split(" ").filter((s) => s !== "")
      user = options.refreshTokens?.[form.get("refresh_token") ?? ""] ?? null
      if (user === null) {
        requests.push({ method: "POST", scopes, user, grant })
        res.writeHead(401, { "content-type": "application/json" })
        return res.end(JSON.stringify({ error: "invalid_grant" }))
      }
    }
    requests.push({ method: req.method ?? "", scopes, user, grant })
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(":")
      const wanted = (actions ?? "").split(",")
      const granted = user !== null ? wanted : options.anonymousPull === false ? [] : wanted.filter((a) => a === "pull")
      return granted.length > 0 ? [{ type, name, actions: granted }] : []
    })
    const now = Math.floor(Date.now() / 1000)
    const expiresIn = options.expiresIn ?? 300
    const token = jwt({
      iss: issuer,
      sub: user ?? "",
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString("hex"),
      access
    })
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  t.teardown(() =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  )
  return { realm: `http://127.0.0.1:${port}/token`, service, issuer, rootCertBundle: certPem, requests }
}
