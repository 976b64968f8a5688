/**
 * @module
 * The reference of the HTTP benchmark (bench/server.ts): a bare Hono app on
 * `@hono/node-server` with no middleware, in a process of its own, so the
 * flwd server's figures can be read as a ratio to the floor of the same
 * framework on the same machine in the same run. `GET /hello` answers a
 * small JSON object; `POST /echo` parses the JSON body and sends it back.
 * Prints `listening on URL` once it listens.
 */
import { serve } from "@hono/node-server"
import { Hono } from "hono"

const app = new Hono()
app.get("/hello", (c) => c.json({ hello: "world" }))
app.post("/echo", async (c) => c.json(await c.req.json()))

const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`)
})
process.on("SIGTERM", () => server.close())
