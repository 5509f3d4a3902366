/** The rules built on the data-flow analysis (engine/dataflow). */
import type { Rule } from '../../engine/rule';
import { confidenceExposureRule } from './confidenceExposure';
import { llmOutputExecutionRule } from './llmOutputExecution';
import { requestDataExecutionRule } from './requestDataExecution';
import { sqlBuiltFromTextRule } from './sqlBuiltFromText';
import { unvalidatedModelInputRule } from './unvalidatedModelInput';

export const dataflowRules: Rule[] = [
  llmOutputExecutionRule,
  requestDataExecutionRule,
  sqlBuiltFromTextRule,
  confidenceExposureRule,
  unvalidatedModelInputRule,
];
