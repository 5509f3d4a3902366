/** MLS2xx: remote code, unpinned downloads, unverified transport. */
import type { Rule } from '../engine/rule';

export const supplyChainRules: Rule[] = [];
