// Staleness of reviews is judged in common/ so that `mlsec checklist` shows it too.
export * from '../../../common/src/staleness';
