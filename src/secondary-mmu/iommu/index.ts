export { type IommuBug, type IommuSva, iommuBugs, iommuSva } from './iommu.js';
