import type { Problem } from "../../lib/errors";

/**
 * An admin API problem, readable: title, detail, code and request id (for the logs). Pages show it
 * beside the form or list that failed; uncaught ones become the console's error page.
 */
export function ProblemBlock({ problem }: { problem: Problem }) {
  return (
    <div class="problem" role="alert">
      <p>
        <strong>{problem.title}</strong>
        {problem.detail && problem.detail !== problem.title ? `: ${problem.detail}` : null}
      </p>
      <p class="hint">
        {problem.status} <code>{problem.code}</code>
        {problem.requestId ? (
          <>
            {" "}
            · request <code>{problem.requestId}</code>
          </>
        ) : null}
      </p>
    </div>
  );
}
