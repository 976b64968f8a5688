/**
 * `flwd --remote URL :runs`: run history, one run, its events and
 * cancellation read the same as in-process (both engines share the data
 * directory, so they see the same runs).
 */
import t from "tap"
import { remoteSandbox } from "./_remote.ts"

const { remote, same } = await remoteSandbox(t)

t.test(":runs lists, shows, replays and cancels runs as in-process", async (t) => {
  t.equal((await remote("hello-world", "--name", "Alice")).code, 0)
  t.equal((await remote("always-fails")).code, 3)
  await same(t, [":runs"])
  await same(t, [":runs", "--job", "always-fails", "--status", "failed", "--limit", "9999", "--json"])
  const page = JSON.parse((await remote(":runs", "--limit", "1", "--json")).stdout) as { items: Array<{ id: string }>; next_cursor: string }
  t.type(page.next_cursor, "string")
  await same(t, [":runs", "--limit", "1", "--cursor", page.next_cursor, "--json"])
  const id = page.items[0].id
  await same(t, [":runs", "show", id])
  await same(t, [":runs", "show", id, "--json"])
  await same(t, [":runs", "events", id])
  await same(t, [":runs", "events", id, "--json"])
  // It is over: `run.not.cancelable`, exit 1, either way.
  await same(t, [":runs", "cancel", id])
  await same(t, [":runs", "show", "run_does_not_exist"])
})
