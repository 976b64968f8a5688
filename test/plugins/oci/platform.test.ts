import t from "tap"
import { ValidationError } from "../../../core/mod.ts"
import { formatPlatform, hostPlatform, parsePlatform, selectManifest } from "../../../plugins/oci/mod.ts"
import type { Index } from "../../../plugins/oci/mod.ts"

const d = (n: number, platform?: object) => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 1,
  ...(platform ? { platform } : {})
})

const index = {
  schemaVersion: 2,
  manifests: [
    d(1, { os: "unknown", architecture: "unknown" }),
    d(2, { os: "linux", architecture: "amd64" }),
    d(3, { os: "linux", architecture: "arm64", variant: "v8" }),
    d(4, { os: "linux", architecture: "arm", variant: "v6" }),
    d(5, { os: "linux", architecture: "arm", variant: "v7" }),
    d(6, { os: "windows", architecture: "amd64", "os.version": "10.0" }),
    d(7)
  ]
} as unknown as Index

t.test("hostPlatform() maps Node's process.arch to OCI names", async (t) => {
  t.same(hostPlatform("x64"), { os: "linux", architecture: "amd64" })
  t.same(hostPlatform("arm64"), { os: "linux", architecture: "arm64" })
  t.same(hostPlatform("ia32"), { os: "linux", architecture: "386" })
  t.same(hostPlatform("ppc64"), { os: "linux", architecture: "ppc64le" })
})

t.test("parsePlatform() reads os/arch[/variant] and rejects the rest", async (t) => {
  t.same(parsePlatform("linux/arm64"), { os: "linux", architecture: "arm64" })
  t.same(parsePlatform("linux/arm/v7"), { os: "linux", architecture: "arm", variant: "v7" })
  t.equal(formatPlatform(parsePlatform("linux/arm/v7")), "linux/arm/v7")
  for (const bad of ["linux", "linux/", "linux/arm/v7/x", "Linux/AMD64", "linux/amd 64"]) {
    t.throws(() => parsePlatform(bad), ValidationError, bad)
  }
  try {
    parsePlatform("x", "spec.platform")
  } catch (e) {
    t.equal((e as ValidationError).errors?.[0].path, "spec.platform")
  }
})

t.test("selectManifest() picks os, architecture and variant", async (t) => {
  t.equal(selectManifest(index, { os: "linux", architecture: "amd64" })?.digest, d(2).digest)
  t.equal(selectManifest(index, { os: "linux", architecture: "arm64" })?.digest, d(3).digest, "arm64 means v8")
  t.equal(selectManifest(index, { os: "linux", architecture: "arm", variant: "v7" })?.digest, d(5).digest)
  t.equal(selectManifest(index, { os: "linux", architecture: "arm", variant: "v5" }), undefined, "a wanted variant must match")
  t.equal(selectManifest(index, { os: "linux", architecture: "arm" })?.digest, d(4).digest, "first arm without a wanted variant")
  t.equal(selectManifest(index, { os: "windows", architecture: "amd64" })?.digest, d(6).digest)
  t.equal(selectManifest(index, { os: "unknown", architecture: "unknown" })?.digest, d(1).digest, "only when asked for")
  t.equal(selectManifest(index, { os: "linux", architecture: "s390x" }), undefined)
})
