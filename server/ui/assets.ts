/**
 * @module
 * The console's static files (`server/ui/assets/`): read once, served at
 * `/ui/assets/<file>` with their content type, an ETag and a one-year
 * immutable cache, and referenced by pages as `/ui/assets/<file>?v=<12 hex
 * of sha256>` so a new version is a new URL. No build step: the browser
 * gets the very files in the repository.
 */
import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { Hono } from "hono"
import type { AppEnv } from "../context.ts"

/** One static file. */
export interface Asset {
  readonly name: string
  readonly body: Uint8Array
  readonly type: string
  /** First 12 hex digits of the content's SHA-256. */
  readonly version: string
  readonly etag: string
}

const types: Readonly<Record<string, string>> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon"
}

const dir = new URL("./assets/", import.meta.url)

// The files ship with the code and never change while it runs, so one read
// per process serves every app (tests build many).
let table: ReadonlyMap<string, Asset> | undefined

/**
 * Every asset by file name, read on first use (`uiRoutes` asks at build).
 *
 * @since 0.1.0
 * @category constructors
 */
export function loadAssets(): ReadonlyMap<string, Asset> {
  if (table !== undefined) return table
  const found = new Map<string, Asset>()
  for (const name of readdirSync(dir).sort()) {
    const ext = name.slice(name.lastIndexOf(".") + 1)
    const type = types[ext]
    if (type === undefined || name.startsWith(".")) continue
    const body = new Uint8Array(readFileSync(new URL(name, dir)))
    const hash = createHash("sha256").update(body).digest("hex")
    found.set(name, { name, body, type, version: hash.slice(0, 12), etag: `"${hash.slice(0, 32)}"` })
  }
  table = found
  return found
}

/**
 * The versioned URL of an asset, for `<link>` and `<script src>`. Throws
 * on an unknown name, so a typo fails the first test that renders the page.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * assetUrl("console.css") // "/ui/assets/console.css?v=3f2a9c0d1e4b"
 * ```
 */
export function assetUrl(name: string): string {
  const asset = loadAssets().get(name)
  if (asset === undefined) throw new Error(`No console asset named ${name}`)
  return `/ui/assets/${name}?v=${asset.version}`
}

/**
 * Serves the assets. `If-None-Match` with the current ETag is a 304.
 *
 * @since 0.1.0
 * @category routes
 */
export function assetRoutes(): Hono<AppEnv> {
  const assets = loadAssets()
  const app = new Hono<AppEnv>()
  app.get("/:file", (c) => {
    const asset = assets.get(c.req.param("file"))
    if (asset === undefined) return c.notFound()
    c.header("cache-control", "public, max-age=31536000, immutable")
    c.header("etag", asset.etag)
    // A list of tags, weak or not, may come back (RFC 9110 §13.1.2).
    const tags = (c.req.header("if-none-match") ?? "").split(",").map((t) => t.trim().replace(/^W\//, ""))
    if (tags.includes(asset.etag) || tags.includes("*")) return c.body(null, 304)
    c.header("content-type", asset.type)
    return c.body(asset.body as Uint8Array<ArrayBuffer>)
  })
  return app
}
