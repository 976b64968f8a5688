/**
 * @module
 * Helpers shared by the executors: splitting process output into bounded
 * lines, and materialising secrets as read-only files for one step.
 */
export { makeLineSplitter, MAX_LINE_BYTES, type LineSplitter } from "./line-splitter.ts"
export { removeSecrets, writeSecrets } from "./secrets.ts"
export { prepareError } from "./prepare-error.ts"
