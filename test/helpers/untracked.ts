/**
 * @module
 * Child processes without the test runner's process tracking. tap puts its
 * loader (`--import=…/@tapjs/processinfo/…`) into the `NODE_OPTIONS` of
 * every child it sees spawned, whatever environment the test passes. Run
 * alone (`tap FILE`), that loader sends every module of the child through
 * a hooks thread: a cold `flwd :plan` takes about 1 s instead of 0.3 s.
 * Under `npm test` the preload `no-module-hooks.mjs` keeps it from
 * installing hooks, but it still starts, and records the process at exit
 * (about a tenth of a second of CPU a child). A test that starts dozens of
 * flwd processes would measure the tracking: `env(1)` sets `NODE_OPTIONS`
 * again after tap has added its loader, keeping whatever else the test put
 * there. Coverage is off, so nothing reads what the loader would have
 * recorded.
 */

/** `NODE_OPTIONS` of `env` without tap's loader and the preload that tames it. */
function ownNodeOptions(env: NodeJS.ProcessEnv): string {
  return (env["NODE_OPTIONS"] ?? "").split(/\s+/).filter((o) => o !== "" && !o.includes("/@tapjs/") && !o.endsWith("/no-module-hooks.mjs"))
    .join(" ")
}

/**
 * `[command, args]` for `spawn` that runs `argv` with `env`'s
 * `NODE_OPTIONS` minus tap's loader; `env(1)` execs it, so the child's
 * pid, signals and exit status are the command's own.
 */
export function untracked(argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env): [string, Array<string>] {
  const options = ownNodeOptions(env)
  return ["env", [...(options === "" ? ["-u", "NODE_OPTIONS"] : [`NODE_OPTIONS=${options}`]), ...argv]]
}
