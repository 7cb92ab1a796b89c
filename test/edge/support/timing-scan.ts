/**
 * A source scan for every `===`/`!==`/`==`/`!=` whose operands name a secret-like value (secret,
 * signature, key, token, password, digest, hmac, hash, credential, expected) is reported, unless one
 * side is a literal (a version label, null) or the comparison is of a length, which is public; so are
 * early-exit comparison calls (`Buffer.compare`, `localeCompare`, `.equals`) on such values.
 */
const SENSITIVE =
  /secret|signature|\bsig\b|key|token|password|passwd|digest|hmac|mac\b|expected|credential|hash/i;
const OPERAND = String.raw`[\w$.!?\[\]()"'\x60]+`;
const COMPARISON = new RegExp(String.raw`(${OPERAND})\s*(===|!==|==|!=)\s*(${OPERAND})`, "g");
const LITERAL = /^(?:null|undefined|true|false|-?\d+|"[^"]*"|'[^']*'|`[^`]*`)$/;
const PUBLIC = /(?:\.length|\.byteLength|\.size|\.status)$|^typeof$/;
const EARLY_EXIT_CALLS = /\b(?:Buffer\.compare|localeCompare|\.equals)\s*\(/;

/** Reports `file:line: text` for every comparison that could leak a secret through timing. */
export function earlyExitComparisons(files: Record<string, string>): string[] {
  const findings: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "));
    code.split("\n").forEach((line, i) => {
      const stripped = line.replace(/\/\/.*$/, "");
      if (EARLY_EXIT_CALLS.test(stripped) && SENSITIVE.test(stripped))
        findings.push(`${file}:${i + 1}: ${line.trim()}`);
      for (const [, left = "", , right = ""] of stripped.matchAll(COMPARISON)) {
        const operands = [left, right].map((o) => o.replace(/^[!(]+|[)]+$/g, ""));
        if (operands.some((o) => LITERAL.test(o) || PUBLIC.test(o))) continue;
        if (operands.some((o) => SENSITIVE.test(o))) findings.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  return findings;
}
