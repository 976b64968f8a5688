/**
 * @module
 * Preloaded into the test processes (`NODE_OPTIONS` in the npm scripts, so
 * it runs before the `--import`s tap adds): it makes `module.register` a
 * no-op, so tap's process-tracking loader (`@tapjs/processinfo`) installs no
 * module hooks. On Node 24.9 those run on a hooks thread and read every
 * module loaded a second time to record its line lengths for coverage:
 * 1.3 s of CPU to load the engine's modules against 0.65 s without. Coverage
 * is off (`disable-coverage` in package.json), so nothing reads what it
 * would record. No flwd code registers module hooks; the flwd processes the
 * tests start inherit this preload, and it changes nothing else for them.
 * Plain JavaScript, so that any node a test starts (the system's, through
 * npm) can load it.
 */
import module from "node:module"

module.register = () => {}
