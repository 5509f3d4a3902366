/** MLS5xx: credentials in code. */
import type { Rule } from '../engine/rule';

export const secretRules: Rule[] = [];
