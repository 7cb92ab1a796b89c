import { RE2JS } from "re2js";

/**
 * Longest input a {@link LinearRegex} looks at, in UTF-16 code units. Matching is linear in the input,
 * so the cap bounds the work per call whatever the pattern; identifier values are refused past 512
 * characters anyway.
 */
export const MAX_REGEX_INPUT = 512;

/** A compiled operator-supplied pattern whose matching time is linear in the input (RE2 semantics). */
export interface LinearRegex {
  /** The pattern as written. */
  readonly source: string;
  /** Whether the pattern matches somewhere in the first `maxInput` characters of `input`. */
  test(input: string): boolean;
}

/** Why a pattern was refused: RE2 cannot compile it (backreferences, lookarounds, bad syntax). */
export class UnsupportedPatternError extends Error {}

/**
 * Compiles `pattern` with RE2, to test inputs of at most `maxInput` characters (default
 * {@link MAX_REGEX_INPUT}; longer inputs are cut, which callers with anchored patterns must account for) (no backtracking, so `^(a|a)*$` or `(a+)+` cannot stall the runtime).
 * Operator patterns run on every identifier inside a workspace's single writer; a backtracking engine
 * would let one pattern stall the whole workspace. RE2 refuses what cannot be matched in linear time:
 * backreferences (`\1`) and lookarounds (`(?=`, `(?<!`).
 * @throws UnsupportedPatternError when RE2 cannot compile the pattern.
 * @see https://github.com/google/re2/wiki/Syntax
 */
export function compileLinearRegex(
  pattern: string,
  opts: { caseInsensitive?: boolean; maxInput?: number } = {},
): LinearRegex {
  const maxInput = opts.maxInput ?? MAX_REGEX_INPUT;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, opts.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    throw new UnsupportedPatternError(err instanceof Error ? err.message : String(err));
  }
  return {
    source: pattern,
    test: (input) => compiled.matcher(input.slice(0, maxInput)).find(),
  };
}

/** Whether RE2 compiles `pattern` (the check a config schema runs before storing it). */
export function isLinearRegex(pattern: string): boolean {
  try {
    compileLinearRegex(pattern);
    return true;
  } catch {
    return false;
  }
}
