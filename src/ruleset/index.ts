/**
 * The decision form every policy dialect is read into (spec/16-actions.md,
 * R1 to R4): rules by architecture and number, first match, with defaults.
 */
export * from './ruleset.ts';
export * from './from2011.ts';
export * from './check.ts';
