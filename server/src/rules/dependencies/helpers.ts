/**
 * MLS7xx: vulnerable library versions. These rules judge dependency manifests, lock files and
 * notebook install lines against OSV advisories (server/src/deps); they have no Python matcher,
 * so `mayFire` keeps the Python prefilter from parsing anything for them.
 */

export const never = (): boolean => false;
