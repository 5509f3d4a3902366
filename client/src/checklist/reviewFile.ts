// The review file is read and written in common/ so that `mlsec checklist` reads it too.
export * from '../../../common/src/reviewFile';
