import t from "tap"
import * as Effect from "effect/Effect"
import { resolveUser, sandboxArgv, sandboxEnv } from "../../../../plugins/executors/sandbox/environment.ts"
import { job, request } from "./_fixture.ts"

t.test("sandboxArgv() points job-relative words at /flwd/job", async (t) => {
  t.same(sandboxArgv(["./run.sh", "x"]), ["/flwd/job/run.sh", "x"])
  t.same(sandboxArgv(["/usr/bin/env", "sh", "./lib/a.sh", "../b"]), ["/usr/bin/env", "sh", "/flwd/job/lib/a.sh", "/flwd/job/../b"])
})

t.test("sandboxEnv() layers host (when inherited), defaults, image Env, request, flwd paths", async (t) => {
  const { req } = request("/jobs/x", ["./run.sh"], {
    job: job("/jobs/x", { image_config: { Env: ["A=image", "B=image", "MALFORMED"] } }),
    env: { B: "request", FLWD_RUN_DIR: "/host/run" },
    secrets: [{ name: "s", value: "v" }],
    onOutput: () => Effect.void
  })
  const env = sandboxEnv(req, { HOST: "h", A: "host" })
  t.same(env, {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/flwd/run",
    A: "image",
    B: "request",
    FLWD_RUN_DIR: "/flwd/run",
    FLWD_JOB_DIR: "/flwd/job",
    FLWD_SECRETS_DIR: "/run/secrets"
  })
  const inherited = sandboxEnv({ ...req, settings: { ...req.settings, inheritEnv: true }, secrets: [] }, { HOST: "h", PATH: "/host/bin" })
  t.equal(inherited.HOST, "h")
  t.equal(inherited.PATH, "/host/bin")
  t.notOk("FLWD_SECRETS_DIR" in inherited)
})

t.test("resolveUser() maps no user, root and unknown names to nobody", async (t) => {
  t.same(resolveUser(undefined, null), { uid: 65534, gid: 65534 })
  t.same(resolveUser({ User: "1000" }, null), { uid: 1000, gid: 65534 })
  t.same(resolveUser({ User: "1000:1001" }, null), { uid: 1000, gid: 1001 })
  t.same(resolveUser({ User: "1000:0" }, null), { uid: 1000, gid: 65534 })
  t.match(resolveUser({ User: "root" }, null), { uid: 65534, note: /unknown/ })
  t.match(resolveUser({ User: "0:0" }, null), { uid: 65534, note: /is root;/ })
})
