export { locateAddress, type SlotBase } from './address.js';
export type * from './ast.js';
export {
  type ConformanceTable,
  conformance,
  diffResultLines,
  parseExpectedFile,
  parseResultsJsonl,
  type ResultLines,
  renderConformanceTable,
  type ScenarioConformance,
  UffdExpectedResultsError,
} from './conformance.js';
export { decodeScriptResult, UffdResultDecodeError } from './decode.js';
export { UffdScriptSyntaxError } from './error.js';
export { formatAddress, formatLength, formatScriptResult, formatStepResult } from './format.js';
export { parseUffdScript } from './parse.js';
export type * from './result.js';
