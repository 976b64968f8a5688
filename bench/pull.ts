/**
 * @module
 * Cold adds of OCI add-ons against the physical floor, in one run with the
 * repetitions interleaved (issue 14, goal 1). Two images on a loopback
 * `docker-registry`:
 *
 * - `large`: ~60 MB in 3 gzip layers of random data (gzip cannot shrink it);
 * - `small`: 15,000 files of 1–8 KB in 3 layers, a `node_modules`-like tree.
 *
 * For each, four ways to get the same rootfs from the same registry:
 *
 * 1. the floor: `curl | gzip -dc | tar x` of every layer, layers in parallel;
 * 2. `skopeo copy docker://… oci:…` then `umoci raw unpack`;
 * 3. a fresh `flwd :serve` child process, `POST /sources` until it answers
 *    (the POST alone, and spawn-to-answer including the server's start-up);
 * 4. `flwd :sources add` as a child process (start-up included).
 *
 * 3 and 4 run twice: from the checkout's sources and as the published
 * package runs (its `bin/flwd.js` over the CLI's bundle, laid out by
 * `_packed-cli.ts`). Both start through `bin/flwd.js`, as the installed
 * command does (with the compile cache), after one unmeasured add per image
 * and way has filled it.
 *
 * Goal: 3 and 4 ≤ 1.2× the floor. Beside each wall-clock median, the CPU
 * time (user + system) of the processes involved, read from this process's
 * `cutime`/`cstime` in /proc (children once waited for): on a machine
 * shared with other work, CPU moves far less than wall time. For the
 * server that is its whole life (start-up, the add, shutdown).
 * `npm run bench -- pull`; `ROUNDS=n` changes the repetitions (default 3),
 * `KINDS=large` (or `small`) measures one of the images.
 */
import { execFile, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { promisify } from "node:util"
import { packedCli } from "./_packed-cli.ts"
import { buildImage, type EntrySpec, type LayerBlob, layerBlob, pushImage, tarLayer } from "../test/helpers/oci-image.ts"
import { startRegistry } from "../test/helpers/registry.ts"
import { median, ms, report } from "./_stats.ts"

const run = promisify(execFile)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
// `KINDS=large` measures one image only.
const KINDS = (process.env.KINDS ?? "large,small").split(",").filter((k): k is "large" | "small" => k === "large" || k === "small")
const MB = 1024 * 1024
const repo = join(import.meta.dirname, "..")
// The entry npm installs: it turns on Node's compile cache before the CLI loads (a warm-up add fills it).
const cli = join(repo, "bin/flwd.js")
const packed = await packedCli("pull-pkg")
const cleanup: Array<() => unknown> = []
const work = mkdtempSync(join(tmpdir(), "flwd-bench-pull-"))
cleanup.push(() => rmSync(work, { recursive: true, force: true }))

const addonFiles: ReadonlyArray<EntrySpec> = [
  {
    path: "flwd-addon/manifest.yaml",
    content: 'apiVersion: flwd.addon/v1\nkind: AddOn\nmetadata: { id: bench, name: Bench, version: 1.0.0 }\nrequires: { flwd: ">=0.1.0" }\n'
  },
  { path: "flwd-addon/jobs/hello/config.yaml", content: "command: ./run.sh\n" },
  { path: "flwd-addon/jobs/hello/run.sh", content: "#!/bin/sh\necho hello\n", mode: 0o755 }
]

/** 5,000 files of 1–8 KB of base64 text (about as compressible as source code) in ~20 files per package. */
function smallFiles(layer: number): Array<EntrySpec> {
  const out: Array<EntrySpec> = []
  for (let i = 0; i < 5000; i++) {
    const size = 1024 + Math.floor(Math.random() * 7 * 1024)
    out.push({
      path: `node_modules/pkg${layer}-${Math.floor(i / 20)}/lib/file${i % 20}.js`,
      content: randomBytes(Math.ceil(size * 0.75)).toString("base64").slice(0, size)
    })
  }
  return out
}

async function image(kind: "large" | "small"): Promise<ReadonlyArray<LayerBlob>> {
  return Promise.all([0, 1, 2].map(async (i) => {
    const entries = kind === "large" ? [{ path: `data/part${i}`, content: randomBytes(20 * MB) }] : smallFiles(i)
    return layerBlob(await tarLayer([...(i === 2 ? addonFiles : []), ...entries]), "gzip")
  }))
}

const policyFile = join(work, "policy.json")
const jobsRoot = join(work, "no-jobs")
mkdirSync(jobsRoot)
const childEnv = { ...process.env, NODE_NO_WARNINGS: "1", FLWD_TOKENS: "bench-token:*" }

async function floor(url: string, name: string, layers: ReadonlyArray<LayerBlob>, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  await Promise.all(layers.map((l) => run("sh", ["-c", `curl -sf "$1" | gzip -dc | tar x -C "$2"`, "sh", `${url}/v2/${name}/blobs/${l.digest}`, dir])))
}

async function skopeoUmoci(ref: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${dir}/layout:addon`])
  await run("umoci", ["raw", "unpack", "--rootless", "--image", `${dir}/layout:addon`, `${dir}/rootfs`])
}

/** A fresh server; returns [spawn to answer, POST alone] in ms. */
function viaServer(bin: string, ref: string, dataDir: string): Promise<[number, number]> {
  const started = performance.now()
  const child = spawn(process.execPath, [bin, "--data-dir", dataDir, "--policy", policyFile, "--root", jobsRoot, ":serve", "--bind", "127.0.0.1:0"], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let out = ""
  let err = ""
  child.stderr.on("data", (d) => (err += d))
  return new Promise<[number, number]>((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)))
    child.stdout.on("data", async (d) => {
      out += d
      const m = /flwd listening on (http:\/\/\S+)/.exec(out)
      if (m === null || child.listenerCount("exit") === 0) return
      child.removeAllListeners("exit")
      const exited = new Promise((r) => child.once("exit", r))
      try {
        const posted = performance.now()
        const res = await fetch(`${m[1]}/sources`, {
          method: "POST",
          headers: { authorization: "Bearer bench-token", "content-type": "application/json" },
          body: JSON.stringify({ type: "oci", name: "bench", ref, trusted: true })
        })
        const body = await res.text()
        const done = performance.now()
        if (res.status !== 201) throw new Error(`POST /sources: ${res.status} ${body}`)
        child.kill("SIGTERM")
        // Settled once the server has exited, so that its CPU time is counted.
        await exited
        resolve([done - started, done - posted])
      } catch (e) {
        child.kill("SIGTERM")
        await exited
        reject(e)
      }
    })
  })
}

async function viaCli(bin: string, ref: string, dataDir: string): Promise<void> {
  await run(process.execPath, [
    bin,
    "--data-dir",
    dataDir,
    "--policy",
    policyFile,
    "--root",
    jobsRoot,
    ":sources",
    "add",
    "--type",
    "oci",
    "--name",
    "bench",
    "--ref",
    ref,
    "--trusted"
  ], { env: childEnv })
}

/** CPU ms of the children waited for so far (/proc/self/stat `cutime` + `cstime`, in clock ticks of 10 ms). */
function childCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "latin1")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // Fields 16 and 17 of proc(5), counted from 1 with pid and comm before ")".
  return (Number(fields[13]) + Number(fields[14])) * 10
}

async function timed(fn: () => Promise<unknown>, cpu?: Array<number>): Promise<number> {
  const before = childCpuMs()
  const started = performance.now()
  await fn()
  const wall = performance.now() - started
  cpu?.push(childCpuMs() - before)
  return wall
}

try {
  const registry = await startRegistry({ teardown: (fn) => cleanup.push(fn) })
  writeFileSync(policyFile, JSON.stringify({ profile: "secure", verify_signatures: "disabled", allowed_registries: [registry.host] }))
  for (const kind of KINDS) {
    const layers = await image(kind)
    await pushImage(registry.url, `bench/${kind}`, "1.0.0", buildImage(layers))
    const ref = `${registry.host}/bench/${kind}:1.0.0`
    const total = layers.reduce((n, l) => n + l.size, 0)
    const t = {
      floor: [] as Array<number>,
      tools: [] as Array<number>,
      serverAll: [] as Array<number>,
      serverPost: [] as Array<number>,
      packedAll: [] as Array<number>,
      packedPost: [] as Array<number>,
      cli: [] as Array<number>,
      packedCli: [] as Array<number>
    }
    const cpu = {
      floor: [] as Array<number>,
      tools: [] as Array<number>,
      server: [] as Array<number>,
      packedServer: [] as Array<number>,
      cli: [] as Array<number>,
      packedCli: [] as Array<number>
    }
    // Fills the compile caches with what an add loads, as a user's first add does.
    for (const bin of [cli, packed]) {
      await viaCli(bin, ref, join(work, `${kind}-warm-up`))
      rmSync(join(work, `${kind}-warm-up`), { recursive: true, force: true })
    }
    for (let round = 0; round < ROUNDS; round++) {
      const dir = join(work, `${kind}-${round}`)
      t.floor.push(await timed(() => floor(registry.url, `bench/${kind}`, layers, join(dir, "floor")), cpu.floor))
      t.tools.push(await timed(() => skopeoUmoci(ref, join(dir, "skopeo")), cpu.tools))
      let all = 0
      let post = 0
      await timed(async () => ([all, post] = await viaServer(cli, ref, join(dir, "server"))), cpu.server)
      t.serverAll.push(all)
      t.serverPost.push(post)
      await timed(async () => ([all, post] = await viaServer(packed, ref, join(dir, "packed-server"))), cpu.packedServer)
      t.packedAll.push(all)
      t.packedPost.push(post)
      t.cli.push(await timed(() => viaCli(cli, ref, join(dir, "cli")), cpu.cli))
      t.packedCli.push(await timed(() => viaCli(packed, ref, join(dir, "packed-cli")), cpu.packedCli))
      rmSync(dir, { recursive: true, force: true })
    }
    const f = median(t.floor)
    const ratio = (xs: Array<number>) => `${(median(xs) / f).toFixed(2)}× floor`
    const what = kind === "large" ? `${(total / MB).toFixed(0)} MB in 3 layers` : `15,000 files of 1–8 KB in 3 layers (${(total / MB).toFixed(0)} MB)`
    console.log(`\n${what}, median of ${ROUNDS} interleaved rounds`)
    const c = median(cpu.floor)
    const cpuRatio = (xs: Array<number>) => `${(median(xs) / c).toFixed(2)}× floor`
    report("floor: curl | gzip -dc | tar x, layers in parallel", ms(f))
    report("skopeo copy + umoci raw unpack", ms(median(t.tools)), ratio(t.tools))
    report("flwd :serve, POST /sources alone (fresh server)", ms(median(t.serverPost)), ratio(t.serverPost))
    report("flwd :serve, spawn to POST answered", ms(median(t.serverAll)), ratio(t.serverAll))
    report("packed flwd :serve, POST /sources alone", ms(median(t.packedPost)), ratio(t.packedPost))
    report("packed flwd :serve, spawn to POST answered", ms(median(t.packedAll)), ratio(t.packedAll))
    report("flwd :sources add (CLI process)", ms(median(t.cli)), ratio(t.cli))
    report("packed flwd :sources add", ms(median(t.packedCli)), ratio(t.packedCli))
    report("CPU: floor", ms(c))
    report("CPU: skopeo + umoci", ms(median(cpu.tools)), cpuRatio(cpu.tools))
    report("CPU: flwd :serve, whole life (start, add, stop)", ms(median(cpu.server)), cpuRatio(cpu.server))
    report("CPU: packed flwd :serve, whole life", ms(median(cpu.packedServer)), cpuRatio(cpu.packedServer))
    report("CPU: flwd :sources add", ms(median(cpu.cli)), cpuRatio(cpu.cli))
    report("CPU: packed flwd :sources add", ms(median(cpu.packedCli)), cpuRatio(cpu.packedCli))
  }
} finally {
  for (const fn of cleanup.reverse()) await fn()
}
