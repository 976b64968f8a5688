/**
 * @module
 * Where registry credentials come from: explicit options (the policy or
 * config file) first, then the auth files of podman and skopeo
 * (containers-auth.json(5)) and the Docker CLI's `config.json` —
 * `credHelpers` per registry, `auths` entries, and the default `credsStore`
 * — as the Docker CLI reads them (docker/cli `cli/config/configfile`,
 * docker-credential-helpers protocol: `docker-credential-<name> get` with the
 * server URL on stdin). Both tools write the same format.
 */
import { spawn } from "node:child_process"
import { readFile } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { RegistryError } from "../errors.ts"

/**
 * A credential: user and password, an identity token (OAuth2 refresh token,
 * exchanged at the token endpoint), or a registry token used as-is.
 *
 * @since 0.1.0
 * @category models
 */
export type Credential =
  | { readonly username: string; readonly password: string }
  | { readonly identityToken: string; readonly username?: string }
  | { readonly registryToken: string }

/**
 * Finds the credential for a registry (`host[:port]`), or null for anonymous.
 *
 * @since 0.1.0
 * @category models
 */
export type CredentialSource = (registry: string) => Promise<Credential | null>

/** The keys the Docker CLI uses for docker.io. */
const DOCKER_HUB_KEYS = ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"]

/** `https://host:port/v1/` → `host:port`, as the Docker CLI normalizes `auths` keys. */
function normalizeKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").toLowerCase()
}

function keysFor(registry: string): ReadonlyArray<string> {
  return registry === "docker.io" ? DOCKER_HUB_KEYS.map(normalizeKey) : [registry.toLowerCase()]
}

/**
 * Credentials given explicitly, keyed by registry (`host[:port]`; docker.io keys as the Docker CLI spells them work too).
 *
 * @since 0.1.0
 * @category constructors
 */
export function staticCredentials(map: Readonly<Record<string, Credential>>): CredentialSource {
  const byKey = new Map(Object.entries(map).map(([k, v]) => [normalizeKey(k), v]))
  return async (registry) => {
    for (const key of keysFor(registry)) {
      const found = byKey.get(key)
      if (found !== undefined) return found
    }
    return null
  }
}

/**
 * Tries each source in turn; the first credential found wins.
 *
 * @since 0.1.0
 * @category constructors
 */
export function chainCredentials(...sources: ReadonlyArray<CredentialSource>): CredentialSource {
  return async (registry) => {
    for (const source of sources) {
      const found = await source(registry)
      if (found !== null) return found
    }
    return null
  }
}

const AuthEntry = Schema.Struct({
  auth: Schema.optional(Schema.String),
  username: Schema.optional(Schema.String),
  password: Schema.optional(Schema.String),
  identitytoken: Schema.optional(Schema.String),
  registrytoken: Schema.optional(Schema.String)
})
type AuthEntry = typeof AuthEntry.Type

/** `config.json` and `auth.json` alike; other keys (`HttpHeaders`, `proxies`, …) are ignored. */
const DockerConfig = Schema.Struct({
  auths: Schema.optional(Schema.Record({ key: Schema.String, value: AuthEntry })),
  credHelpers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  credsStore: Schema.optional(Schema.String)
})
type DockerConfig = typeof DockerConfig.Type
const decodeConfig = Schema.decodeUnknownEither(DockerConfig)

/** The largest auth file read; Docker's and podman's are a few hundred bytes. */
const MAX_CONFIG_BYTES = 1024 * 1024

/** `["auths", "host:5000", "auth"]` → `auths["host:5000"].auth`. */
function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ""
  for (const p of path) {
    const key = String(p)
    out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (out === "" ? key : `.${key}`) : `[${JSON.stringify(key)}]`
  }
  return out
}

/**
 * Decodes an auth file. One that exists but does not decode is an error
 * naming the file and the field, as containers/image reports it: passing it
 * over would turn a typo into anonymous pulls and a puzzling `unauthorized`.
 */
function parseConfig(file: string, bytes: Buffer): DockerConfig {
  const refuse = (detail: string, cause?: unknown) => new RegistryError({ reason: "credentials", detail: `${file}: ${detail}`, cause })
  if (bytes.length > MAX_CONFIG_BYTES) throw refuse("is larger than 1 MiB")
  let json: unknown
  try {
    json = JSON.parse(bytes.toString("utf8"))
  } catch (e) {
    throw refuse(`is not JSON (${e instanceof Error ? e.message : String(e)})`, e)
  }
  const decoded = decodeConfig(json)
  if (Either.isRight(decoded)) return decoded.right
  const issue = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)[0]
  throw refuse(issue === undefined ? "is not an auth file" : `${issue.path.length > 0 ? `${fieldPath(issue.path)}: ` : ""}${issue.message}`, decoded.left)
}

/** What a credential helper answers to `get`; anything else is no credential. */
const HelperAnswer = Schema.parseJson(Schema.Struct({ Username: Schema.optional(Schema.String), Secret: Schema.String }))
const decodeHelperAnswer = Schema.decodeUnknownOption(HelperAnswer)

/** Reads an auth file: empty when there is none, else decoded or a `credentials` error. */
async function readConfig(file: string): Promise<DockerConfig> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch {
    // Missing, a directory or unreadable: no file for us, as for the Docker CLI.
    return {}
  }
  return parseConfig(file, bytes)
}

function fromEntry(entry: AuthEntry): Credential | null {
  let username = entry.username
  let password = entry.password
  if (entry.auth !== undefined && entry.auth !== "") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    if (colon > 0) {
      username = decoded.slice(0, colon)
      password = decoded.slice(colon + 1)
    }
  }
  if (entry.identitytoken !== undefined && entry.identitytoken !== "") {
    return username !== undefined ? { identityToken: entry.identitytoken, username } : { identityToken: entry.identitytoken }
  }
  if (entry.registrytoken !== undefined && entry.registrytoken !== "") return { registryToken: entry.registrytoken }
  if (username !== undefined && password !== undefined) return { username, password }
  return null
}

/**
 * Options for reading the Docker CLI configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface DockerConfigOptions {
  /**
   * The one file to read. Default, the first file with a credential for
   * the registry among: `$REGISTRY_AUTH_FILE` (else
   * `$XDG_RUNTIME_DIR/containers/auth.json`), `~/.config/containers/auth.json`,
   * then `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`).
   */
  readonly path?: string
  /** Environment for that lookup. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Home directory for that lookup. Default the user's. */
  readonly home?: string
  /** Where `docker-credential-*` helpers are looked up. Default the process `PATH`. */
  readonly helperPath?: string
  /** Time a credential helper may take. Default 10 000 ms. */
  readonly helperTimeoutMs?: number
}

/**
 * Runs `docker-credential-<helper> get` for a server URL; null when the helper
 * is missing or knows no credentials.
 *
 * @since 0.1.0
 * @category constructors
 */
export function runCredentialHelper(helper: string, serverUrl: string, options: DockerConfigOptions = {}): Promise<Credential | null> {
  // The helper name becomes part of a program name: keep it to a plain word.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(helper)) return Promise.resolve(null)
  return new Promise((resolve) => {
    const env = options.helperPath !== undefined ? { ...process.env, PATH: options.helperPath } : process.env
    const child = spawn(`docker-credential-${helper}`, ["get"], { stdio: ["pipe", "pipe", "ignore"], env })
    let out = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), options.helperTimeoutMs ?? 10_000)
    child.stdout.on("data", (d: Buffer) => {
      if (out.length < 65536) out += d.toString("utf8")
    })
    child.on("error", () => {
      clearTimeout(timer)
      resolve(null)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      if (code !== 0) return resolve(null)
      const answer = decodeHelperAnswer(out)
      if (Option.isNone(answer) || answer.value.Secret === "") return resolve(null)
      // The helper protocol marks identity tokens with the user name "<token>".
      if (answer.value.Username === "<token>") return resolve({ identityToken: answer.value.Secret })
      resolve({ username: answer.value.Username ?? "", password: answer.value.Secret })
    })
    child.stdin.on("error", () => {})
    child.stdin.end(serverUrl)
  })
}

/**
 * Credentials from the Docker CLI configuration. The file is read once, on
 * first use; a missing or unreadable file means anonymous access, and one
 * that is not JSON or not of the auth file's shape fails with a
 * `credentials` RegistryError naming the file and the field.
 *
 * @since 0.1.0
 * @category constructors
 */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialSource {
  if (options.path === undefined) return chainCredentials(...authFiles(options).map((path) => dockerConfigCredentials({ ...options, path })))
  const file = options.path
  let config: Promise<DockerConfig> | undefined
  const load = (): Promise<DockerConfig> => (config ??= readConfig(file))
  return async (registry) => {
    const cfg = await load()
    const keys = keysFor(registry)
    const serverUrl = registry === "docker.io" ? DOCKER_HUB_KEYS[0] : registry
    for (const [key, helper] of Object.entries(cfg.credHelpers ?? {})) {
      if (keys.includes(normalizeKey(key))) return runCredentialHelper(helper, serverUrl, options)
    }
    for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
      if (!keys.includes(normalizeKey(key))) continue
      const found = fromEntry(entry)
      if (found !== null) return found
    }
    if (typeof cfg.credsStore === "string" && cfg.credsStore !== "") return runCredentialHelper(cfg.credsStore, serverUrl, options)
    return null
  }
}

/**
 * The auth files, in the order they are consulted. podman's
 * `REGISTRY_AUTH_FILE` replaces its per-session file, as in podman; the
 * user's podman file and Docker's stay as fallbacks, so a `docker login`
 * still counts when podman knows nothing of that registry.
 *
 * @since 0.1.0
 * @category constructors
 */
export function authFiles(options: Pick<DockerConfigOptions, "env" | "home"> = {}): ReadonlyArray<string> {
  const env = options.env ?? process.env
  const home = options.home ?? homedir()
  const set = (v: string | undefined) => (v === undefined || v === "" ? undefined : v)
  const session = set(env.REGISTRY_AUTH_FILE) ?? (set(env.XDG_RUNTIME_DIR) !== undefined ? join(env.XDG_RUNTIME_DIR!, "containers", "auth.json") : undefined)
  return [
    ...(session !== undefined ? [session] : []),
    join(home, ".config", "containers", "auth.json"),
    join(set(env.DOCKER_CONFIG) ?? join(home, ".docker"), "config.json")
  ]
}
