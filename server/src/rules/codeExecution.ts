/** MLS3xx: code or shell execution of data that is not a constant. */
import type { Rule } from '../engine/rule';

export const codeExecutionRules: Rule[] = [];
