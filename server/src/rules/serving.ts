/** MLS4xx: serving and deployment exposure. */
import type { Rule } from '../engine/rule';

export const servingRules: Rule[] = [];
