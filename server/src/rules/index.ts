/**
 * The rule catalogue: the one place rules are registered. The CLI, the server, the docs
 * generator and the tests all read `ALL_RULES`.
 */
import type { Rule } from '../engine/rule';
import { codeExecutionRules } from './codeExecution';
import { dataflowRules } from './dataflow/index';
import { dependencyRules } from './dependencies';
import { deserializationRules } from './deserialization';
import { suppressionRule } from './meta';
import { secretRules } from './secrets';
import { servingRules } from './serving';
import { supplyChainRules } from './supplyChain';

export const ALL_RULES: readonly Rule[] = [
  suppressionRule,
  ...deserializationRules,
  ...supplyChainRules,
  ...codeExecutionRules,
  ...servingRules,
  ...secretRules,
  ...dependencyRules,
  ...dataflowRules,
].sort((a, b) => a.code.localeCompare(b.code));
