/**
 * @module
 * Test helpers: `.tar.gz` archives built entry by entry (so tests can also
 * build malicious ones) and a static file server on loopback.
 */
import { createHash } from "node:crypto"
import { createServer } from "node:http"
import { gzipSync } from "node:zlib"
import { pack } from "tar-stream"

/** One archive entry: a file (text, optional mode), a directory, or anything tar can hold. */
export interface Entry {
  readonly name: string
  readonly type?: "file" | "directory" | "symlink" | "link" | "fifo"
  readonly text?: string
  readonly mode?: number
  readonly linkname?: string
}

export async function tarGz(entries: ReadonlyArray<Entry>): Promise<Buffer> {
  const p = pack()
  const chunks: Array<Buffer> = []
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer)
  })()
  for (const e of entries) {
    const type = e.type ?? "file"
    const header = { name: e.name, type, mode: e.mode ?? (type === "directory" ? 0o755 : 0o644), ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) }
    if (type === "file") p.entry(header, e.text ?? "")
    else p.entry(header, "")
  }
  p.finalize()
  await done
  return gzipSync(Buffer.concat(chunks))
}

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** A job tree with one job, `hello`, printing `message`. */
export function helloTree(message: string, prefix = "tools-1.0/"): Array<Entry> {
  return [
    { name: prefix, type: "directory" },
    { name: `${prefix}hello/`, type: "directory" },
    {
      name: `${prefix}hello/config.yaml`,
      text: "summary: Says hello\ncommand: ./run.sh\nargspec:\n  args:\n    - { name: who, type: string, default: world }\n"
    },
    { name: `${prefix}hello/run.sh`, text: `#!/bin/sh\necho "${message} $ARG_WHO"\n`, mode: 0o755 }
  ]
}

/** Serves `files` (path → bytes) on loopback; `hits` counts requests per path. */
export async function staticServer(files: Record<string, Uint8Array>) {
  const hits = new Map<string, number>()
  const server = createServer((req, res) => {
    const path = req.url ?? "/"
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const body = files[path]
    if (body === undefined) return void res.writeHead(404).end("not found")
    res.writeHead(200, { "content-type": "application/gzip", "content-length": String(body.length) }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    hits,
    files,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
