/**
 * @module
 * Child processes without the test runner's module hooks. tap puts its
 * process-tracking loader (`--import=…/@tapjs/processinfo/…`) into the
 * `NODE_OPTIONS` of every child it sees spawned, whatever environment the
 * test passes; on Node 24 that loader sends every module through a hooks
 * thread, so a cold `flwd` start takes about three times as long (0.3 s
 * against 1 s for `flwd :plan`), and a test that starts dozens of them
 * measures the hooks. `env(1)` sets `NODE_OPTIONS` again after tap has
 * added its loader, keeping whatever else the test put there. Coverage is
 * off, so nothing reads what the loader would have recorded.
 */

/** `NODE_OPTIONS` of `env` without tap's loaders. */
function ownNodeOptions(env: NodeJS.ProcessEnv): string {
  return (env["NODE_OPTIONS"] ?? "").split(/\s+/).filter((o) => o !== "" && !o.includes("/@tapjs/")).join(" ")
}

/**
 * `[command, args]` for `spawn` that runs `argv` with `env`'s
 * `NODE_OPTIONS` minus tap's loaders; `env(1)` execs it, so the child's
 * pid, signals and exit status are the command's own.
 */
export function untracked(argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env): [string, Array<string>] {
  const options = ownNodeOptions(env)
  return ["env", [...(options === "" ? ["-u", "NODE_OPTIONS"] : [`NODE_OPTIONS=${options}`]), ...argv]]
}
