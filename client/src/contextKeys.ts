/**
 * Context keys the extension sets (`setContext`) and package.json reads in `when` clauses. No
 * `vscode` import here, so the manifest test can check that both sides name the same key.
 */

/**
 * Set once the extension is active and the checklist view has its data provider. Until then the
 * view shows a "starting" welcome text (package.json `viewsWelcome`) rather than VS Code's "There
 * is no data provider registered…" message.
 */
export const ACTIVATED_CONTEXT = 'mlsec.activated';
