export {
  type CellVerdict,
  type CompareCell,
  type CompareOptions,
  type CompareResult,
  type CompareRow,
  checkCompareOptions,
  compare,
  defaultDesigns,
  defaultRows,
  rowLabel,
} from './compare.js';
export { CostCounter, type Costs, measureCosts, serialScheduler } from './costs.js';
