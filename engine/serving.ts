/**
 * @module
 * Which live servers serve a data directory. While `flwd :serve` listens it
 * keeps `<data-dir>/servers/<pid>.json` (`{ "pid", "url" }`), removed when
 * it stops; a CLI that starts its own engine on the same directory reads
 * them to say that a server owns it and how to talk to that server
 * instead. A file whose process is gone (a server killed before it could
 * remove it) is ignored and removed. The files are read bounded: at most
 * 32 of them, 4 KiB each, and only the expected shape is believed.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** A server found serving a data directory. @since 0.2.0 @category models */
export interface LiveServer {
  readonly pid: number
  readonly url: string
}

const MAX_FILES = 32
const MAX_BYTES = 4096

const dirOf = (dataDir: string) => join(dataDir, "servers")

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // Read without core/mod.ts: every CLI start imports this file, and the barrel loads Effect.
    return e instanceof Error && "code" in e && e.code === "EPERM"
  }
}

/**
 * Records that this process serves `dataDir` at `url`; the returned function
 * removes the record. Failing to write it only loses the CLI's warning.
 *
 * @since 0.2.0
 * @category constructors
 */
export function markServing(dataDir: string, url: string): () => void {
  const file = join(dirOf(dataDir), `${process.pid}.json`)
  try {
    mkdirSync(dirOf(dataDir), { recursive: true })
    writeFileSync(file, JSON.stringify({ pid: process.pid, url }))
  } catch {
    return () => undefined
  }
  return () => rmSync(file, { force: true })
}

/**
 * The live servers other than this process serving `dataDir`.
 *
 * @since 0.2.0
 * @category constructors
 */
export function liveServers(dataDir: string): ReadonlyArray<LiveServer> {
  let names: Array<string>
  try {
    names = readdirSync(dirOf(dataDir)).filter((n) => /^\d{1,10}\.json$/.test(n)).slice(0, MAX_FILES)
  } catch {
    return []
  }
  return names.flatMap((name) => {
    const file = join(dirOf(dataDir), name)
    try {
      const text = readFileSync(file, "utf8")
      if (text.length > MAX_BYTES) return []
      const value = JSON.parse(text) as { pid?: unknown; url?: unknown }
      const { pid, url } = value
      if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0 || `${pid}.json` !== name) return []
      if (typeof url !== "string" || !/^https?:\/\/[^\s]{1,2000}$/.test(url)) return []
      if (pid === process.pid) return []
      if (!alive(pid)) {
        rmSync(file, { force: true })
        return []
      }
      return [{ pid, url }]
    } catch {
      return []
    }
  })
}
