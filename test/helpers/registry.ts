/**
 * @module
 * Starts a real `docker-registry` (the Debian package of distribution v2) on
 * a free loopback port with temporary storage, optionally behind `htpasswd`
 * (Basic) or `token` (Bearer) auth, and stops it on teardown.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** What the helper needs from a tap test. */
export interface Teardown {
  teardown(fn: () => unknown): void
}

/** Token auth settings for the registry (distribution's `auth.token`). */
export interface TokenAuth {
  readonly realm: string
  readonly service: string
  readonly issuer: string
  /** PEM certificate(s) the issuer signs tokens with. */
  readonly rootCertBundle: string
}

export interface RegistryOptions {
  /** Lines of an htpasswd file (bcrypt hashes); enables Basic auth. */
  readonly htpasswd?: ReadonlyArray<string>
  readonly token?: TokenAuth
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>`, the registry part of image references. */
  readonly host: string
  readonly port: number
  readonly url: string
  /** Storage root, to inspect or corrupt in tests. */
  readonly storage: string
  /** Everything the registry logged so far. */
  readonly log: () => string
  /** Requests from the access log, in order, up to a marker request sent now. */
  readonly requests: () => Promise<ReadonlyArray<LoggedRequest>>
}

export interface LoggedRequest {
  readonly method: string
  readonly path: string
  readonly status: number
}

function accessLog(output: string): ReadonlyArray<LoggedRequest> {
  const out: Array<LoggedRequest> = []
  for (const m of output.matchAll(/\] "([A-Z]+) (\S+) HTTP\/[\d.]+" (\d+) /g)) {
    out.push({ method: m[1], path: m[2], status: Number(m[3]) })
  }
  return out
}

/** Finds a free loopback TCP port (the registry binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function config(storage: string, port: number, dir: string, options: RegistryOptions): string {
  const lines = [
    "version: 0.1",
    "log:",
    "  level: info",
    "  accesslog:",
    "    disabled: false",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(storage)}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: 127.0.0.1:${port}`
  ]
  if (options.htpasswd !== undefined) {
    const file = join(dir, "htpasswd")
    writeFileSync(file, options.htpasswd.join("\n") + "\n")
    lines.push("auth:", "  htpasswd:", "    realm: flwd-test", `    path: ${JSON.stringify(file)}`)
  } else if (options.token !== undefined) {
    const bundle = join(dir, "token-root.pem")
    writeFileSync(bundle, options.token.rootCertBundle)
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${JSON.stringify(options.token.realm)}`,
      `    service: ${JSON.stringify(options.token.service)}`,
      `    issuer: ${JSON.stringify(options.token.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(bundle)}`
    )
  }
  return lines.join("\n") + "\n"
}

async function waitReady(url: string, log: () => string, exited: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (exited()) throw new Error(`docker-registry exited early:\n${log()}`)
    try {
      const res = await fetch(`${url}/v2/`)
      await res.arrayBuffer()
      if (res.status === 200 || res.status === 401) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`docker-registry did not answer /v2/:\n${log()}`)
}

/**
 * Starts a registry for one test; it is killed and its storage removed on teardown.
 */
export async function startRegistry(t: Teardown, options: RegistryOptions = {}): Promise<RunningRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "flwd-registry-"))
  const storage = join(dir, "storage")
  const port = await freePort()
  const file = join(dir, "config.yml")
  writeFileSync(file, config(storage, port, dir, options))
  const child = spawn("docker-registry", ["serve", file], { stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  let exited = false
  child.stdout.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr.on("data", (d: Buffer) => (output += d.toString()))
  const gone = new Promise<void>((resolve) => {
    child.on("exit", () => {
      exited = true
      resolve()
    })
    child.on("error", (e) => {
      exited = true
      output += String(e)
      resolve()
    })
  })
  t.teardown(async () => {
    if (!exited) child.kill("SIGKILL")
    await gone
    rmSync(dir, { recursive: true, force: true })
  })
  const host = `127.0.0.1:${port}`
  const url = `http://${host}`
  await waitReady(url, () => output, () => exited)
  const requests = async () => {
    // The access log is written as each request completes; a marker request
    // sent after ours shows when everything before it has been logged.
    const marker = `/v2/?log-marker=${Math.random().toString(36).slice(2)}`
    await (await fetch(`${url}${marker}`)).arrayBuffer()
    for (let i = 0; i < 200 && !output.includes(marker); i++) await new Promise((r) => setTimeout(r, 10))
    return accessLog(output).filter((r) => !r.path.startsWith("/v2/?log-marker="))
  }
  return { host, port, url, storage, log: () => output, requests }
}
