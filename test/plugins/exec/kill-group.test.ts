/**
 * `killGroup` from the package root reaches the grandchildren of a detached
 * child, which a plain `kill(pid)` would leave running.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { killGroup } from "../../../mod.ts"
import { killSleeping, sleeping, until } from "../../helpers/processes.ts"

t.test("killGroup() signals every process of a detached child's group", async (t) => {
  t.teardown(() => killSleeping(4171))
  const child = spawn("sh", ["-c", "sleep 4171 & sleep 4171 & wait"], { detached: true, stdio: "ignore" })
  const exited = new Promise((resolve) => child.on("exit", resolve))
  await until("two sleeps running", () => sleeping(4171).length === 2)
  t.equal(killGroup(child.pid!, "SIGKILL"), true)
  await until("the sleeps gone", () => sleeping(4171).length === 0)
  await exited
  t.throws(() => killGroup(0), RangeError, "never the caller's own group")
})
