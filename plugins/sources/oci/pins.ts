/**
 * @module
 * Pins: what a source's tag last resolved to, kept at
 * `addons/pins/<source-name>.json` so a restart can serve the same image
 * from the cache without asking the registry (`on-add`, `on-run`,
 * `always`). A pin is written only after a pull fully succeeded (temp file
 * + rename), so a failed or killed re-add leaves the previous pin in place.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * A pin: the spec fields it answers for and what they resolved to.
 *
 * @since 0.1.0
 * @category models
 */
export const Pin = Schema.Struct({
  ref: Schema.String,
  platform: Schema.NullOr(Schema.String),
  semver: Schema.NullOr(Schema.String),
  /** The tag chosen (the ref's own, or the highest matching `semver`). */
  tag: Schema.NullOr(Schema.String),
  /** What the tag pointed at: an index or a manifest digest. */
  resolved_digest: Schema.String,
  /** The platform's manifest digest (names the rootfs). */
  digest: Schema.String,
  pulled_at: Schema.String,
  sizes: Schema.Record({ key: Schema.String, value: Schema.Number })
})
/** @since 0.1.0 @category models */
export type Pin = typeof Pin.Type

/** `addons/pins` under a data directory. @since 0.1.0 @category utils */
export function pinsDir(dataDir: string): string {
  return join(dataDir, "addons", "pins")
}

const pinPath = (dataDir: string, name: string) => join(pinsDir(dataDir), `${name}.json`)
const decode = Schema.decodeUnknownOption(Pin)

/**
 * The pin of source `name`, or null when there is none (or it is unreadable).
 *
 * @since 0.1.0
 * @category constructors
 */
export function readPin(dataDir: string, name: string): Effect.Effect<Pin | null> {
  return Effect.promise(async () => {
    try {
      const parsed = decode(JSON.parse(await readFile(pinPath(dataDir, name), "utf8")))
      return parsed._tag === "Some" ? parsed.value : null
    } catch {
      return null
    }
  })
}

/**
 * Writes the pin of source `name` atomically. A failure to write is not a
 * failure of the pull: the source works, it only re-resolves on restart.
 *
 * @since 0.1.0
 * @category constructors
 */
export function writePin(dataDir: string, name: string, pin: Pin): Effect.Effect<void> {
  return Effect.promise(async () => {
    const dir = pinsDir(dataDir)
    const temp = join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`)
    try {
      await mkdir(dir, { recursive: true })
      await writeFile(temp, JSON.stringify(pin, null, 2) + "\n")
      await rename(temp, pinPath(dataDir, name))
    } catch {
      await rm(temp, { force: true }).catch(() => undefined)
    }
  })
}

/**
 * Every pin, by source name.
 *
 * @since 0.1.0
 * @category constructors
 */
export function listPins(dataDir: string): Effect.Effect<ReadonlyMap<string, Pin>> {
  return Effect.gen(function* () {
    const names = yield* Effect.promise(() => readdir(pinsDir(dataDir)).catch(() => [] as Array<string>))
    const out = new Map<string, Pin>()
    for (const file of names) {
      if (!file.endsWith(".json") || file.startsWith(".")) continue
      const name = file.slice(0, -".json".length)
      const pin = yield* readPin(dataDir, name)
      if (pin !== null) out.set(name, pin)
    }
    return out
  })
}

/**
 * Removes the pin of `name` (garbage collection only: a source's own
 * removal keeps it, since a replacement under the same name may own it).
 *
 * @since 0.1.0
 * @category constructors
 */
export function removePin(dataDir: string, name: string): Effect.Effect<void> {
  return Effect.promise(() => rm(pinPath(dataDir, name), { force: true }).catch(() => undefined))
}
