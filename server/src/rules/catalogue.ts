/**
 * Every rule mlsec reports: the Python rules (`ALL_RULES`, run by the analyzer) and the model-file
 * rules (`ARTIFACT_RULES`, reported by the artifact scanner). Listing, explaining, selecting and
 * SARIF descriptors read this; the Python analyzer keeps reading `ALL_RULES` only.
 */
import { ARTIFACT_RULES } from '../artifacts/rules';
import type { Rule } from '../engine/rule';
import { ALL_RULES } from './index';

export const RULE_CATALOGUE: readonly Rule[] = [...ALL_RULES, ...ARTIFACT_RULES].sort((a, b) => a.code.localeCompare(b.code));
