// The report is rendered in common/ so that `mlsec checklist` uses the same code.
export { renderReport } from '../../../common/src/checklistReport';
export type { ReportInput } from '../../../common/src/checklistReport';
