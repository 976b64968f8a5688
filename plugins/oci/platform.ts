/**
 * @module
 * Platforms (`os/architecture[/variant]`) and choosing one manifest from an
 * index (OCI image-index.md "platform"). The default is the host: add-ons
 * run in a Linux sandbox, so the os is `linux` and the architecture is
 * Node's `process.arch` in Go's spelling (`x64` → `amd64`).
 */
import { ValidationError } from "../../core/mod.ts"
import type { Descriptor, Index } from "./model.ts"

/**
 * A platform to select.
 *
 * @since 0.1.0
 * @category models
 */
export interface PlatformSpec {
  readonly os: string
  readonly architecture: string
  readonly variant?: string
}

const GO_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips64el: "mips64le"
}

/**
 * The host platform: `linux` and the host architecture (`arm` gets the
 * variant Node was built for, e.g. `v7`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function hostPlatform(arch: string = process.arch): PlatformSpec {
  const architecture = GO_ARCH[arch] ?? arch
  if (architecture === "arm") {
    const version = (process.config.variables as { arm_version?: string }).arm_version
    if (version !== undefined && version !== "") return { os: "linux", architecture, variant: `v${version}` }
  }
  return { os: "linux", architecture }
}

/**
 * Parses `os/arch[/variant]` (`linux/arm64`, `linux/arm/v7`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function parsePlatform(s: string, path = "platform"): PlatformSpec {
  const parts = s.split("/")
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    const message = `expected os/architecture[/variant], got ${JSON.stringify(s.slice(0, 100))}`
    throw new ValidationError({ code: "validation.failed", detail: `Invalid platform: ${message}`, errors: [{ path, message }] })
  }
  const [os, architecture, variant] = parts
  return variant === undefined ? { os, architecture } : { os, architecture, variant }
}

/** `linux/arm64/v8`. @since 0.1.0 @category utils */
export function formatPlatform(p: PlatformSpec): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== "").join("/")
}

/** arm64's variant defaults to v8 (containerd `platforms.Normalize`). */
function variantOf(p: { architecture: string; variant?: string }): string | undefined {
  if (p.variant !== undefined && p.variant !== "") return p.variant
  return p.architecture === "arm64" ? "v8" : undefined
}

/**
 * The manifest of an index for a platform: os and architecture must match;
 * a wanted variant must match too, else an entry without variant is
 * preferred. Attestation entries (`unknown/unknown`) never match.
 *
 * @since 0.1.0
 * @category utils
 */
export function selectManifest(index: Index, want: PlatformSpec): Descriptor | undefined {
  const candidates = index.manifests.filter((d) => d.platform !== undefined && d.platform.os === want.os && d.platform.architecture === want.architecture)
  const wanted = variantOf(want)
  if (want.variant !== undefined) return candidates.find((d) => variantOf(d.platform!) === wanted)
  return candidates.find((d) => variantOf(d.platform!) === wanted) ?? candidates[0]
}

/** The platforms an index offers, for error messages. @since 0.1.0 @category utils */
export function availablePlatforms(index: Index): ReadonlyArray<string> {
  return index.manifests.flatMap((d) => (d.platform !== undefined ? [formatPlatform(d.platform)] : []))
}
