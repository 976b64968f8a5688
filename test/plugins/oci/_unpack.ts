/**
 * Helpers of the unpack tests: a sandbox with a secret "outside" the root,
 * unpacking tar layers built in memory, and the checks that nothing escaped.
 */
import type { Test } from "tap"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Readable } from "node:stream"
import * as zlib from "node:zlib"
import * as Effect from "effect/Effect"
import { UnpackError, unpackImage } from "../../../plugins/oci/mod.ts"
import type { Compression, UnpackLimits, UnpackResult } from "../../../plugins/oci/mod.ts"
import { type EntrySpec, tarLayer } from "../../helpers/oci-image.ts"

export interface Sandbox {
  readonly base: string
  readonly destination: string
  readonly outside: string
}

export function sandbox(t: { teardown: (fn: () => void) => void }): Sandbox {
  const base = mkdtempSync(join(tmpdir(), "flwd-unpack-"))
  t.teardown(() => rmSync(base, { recursive: true, force: true }))
  const outside = join(base, "outside")
  mkdirSync(outside)
  writeFileSync(join(outside, "secret"), "host secret")
  return { base, destination: join(base, "addons", "sha256:test", "rootfs"), outside }
}

export interface Layer {
  readonly entries: ReadonlyArray<EntrySpec>
  readonly compression?: Compression
  readonly diffId?: string
  readonly raw?: Buffer
}

/** Unpacks; an error is rejected as the UnpackError itself. */
export async function unpack(sb: Sandbox, layers: ReadonlyArray<Layer>, limits?: UnpackLimits): Promise<UnpackResult> {
  const built = await Promise.all(layers.map(async (l) => {
    const tar = l.raw ?? (await tarLayer(l.entries))
    const compression = l.compression ?? "gzip"
    const bytes = compression === "gzip" ? zlib.gzipSync(tar) : compression === "zstd" ? zlib.zstdCompressSync(tar) : tar
    return { bytes, compression, diffId: l.diffId }
  }))
  return Effect.runPromise(Effect.either(unpackImage({
    destination: sb.destination,
    limits,
    layers: built.map((b, i) => async () => ({ source: Readable.from([b.bytes]), compression: b.compression, digest: `layer${i}`, diffId: b.diffId }))
  }))).then((r) => {
    if (r._tag === "Left") throw r.left
    return r.right
  })
}

export async function failure(sb: Sandbox, layers: ReadonlyArray<Layer>, limits?: UnpackLimits): Promise<UnpackError> {
  const e = await Effect.runPromise(Effect.flip(Effect.tryPromise({ try: () => unpack(sb, layers, limits), catch: (e) => e })))
  if (e instanceof UnpackError) return e
  throw e
}

/** Nothing but the untouched secret outside, no rootfs and no temp dir left. */
export function assertContained(t: Test, sb: Sandbox): void {
  t.same(readdirSync(sb.outside), ["secret"], "nothing written outside the root")
  t.equal(readFileSync(join(sb.outside, "secret"), "utf8"), "host secret", "outside file unchanged")
  t.notOk(existsSync(sb.destination), "no rootfs")
  // The parent the unpack made is removed with the temporary directory.
  t.notOk(existsSync(dirname(sb.destination)) && readdirSync(dirname(sb.destination)).length > 0, "no temporary directory left")
}

export function assertOnly(t: Test, sb: Sandbox): void {
  t.same(readdirSync(sb.outside), ["secret"], "nothing written outside the root")
  t.same(readdirSync(dirname(sb.destination)), ["rootfs"], "only the rootfs next to it")
}
