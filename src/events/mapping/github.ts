import { groupBy } from "../../lib/group-by";
import { toEpochMs } from "../../lib/json-path";
import type { Identifier } from "../event";
import type { MappedEvent, Mapper } from "./types";

interface GitHubUser {
  id?: number;
  login?: string;
  email?: string | null;
  name?: string;
}

interface Commit {
  id?: string;
  timestamp?: string;
  author?: { name?: string; email?: string; username?: string };
}

/**
 * GitHub events: one event for the `sender`, and for pushes one event per distinct commit author
 * (identified by email and, when GitHub knows them, their login).
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */
export const mapGitHub: Mapper = ({ payload, envelope }) => {
  const name = envelope.headers["x-github-event"] ?? "unknown";
  const body = (payload ?? {}) as Record<string, unknown>;
  const action = typeof body.action === "string" ? `.${body.action}` : "";
  const type = `github.${name}${action}`;
  const repository = (body.repository as { full_name?: string } | undefined)?.full_name;
  const occurredAt = eventTime(body);
  const events: MappedEvent[] = [];

  const sender = body.sender as GitHubUser | undefined;
  if (sender?.id !== undefined) {
    const identifiers: Identifier[] = [{ type: "github_user_id", value: String(sender.id) }];
    if (sender.login) identifiers.push({ type: "github_login", value: sender.login });
    if (sender.email) identifiers.push({ type: "email", value: sender.email });
    events.push({
      type,
      occurredAt,
      identifiers,
      traits: sender.login ? { github_login: sender.login } : {},
      properties: { repository, role: "sender" },
    });
  }

  const authors = groupBy(
    ((body.commits as Commit[] | undefined) ?? []).filter((commit) => commit.author?.email),
    (commit) => commit.author!.email!.toLowerCase(),
  );
  for (const [email, commits] of authors) {
    const author = commits[0]!.author!;
    const identifiers: Identifier[] = [{ type: "email", value: author.email! }];
    if (author.username) identifiers.push({ type: "github_login", value: author.username });
    const latest = Math.max(...commits.map((c) => toEpochMs(c.timestamp) ?? 0));
    events.push({
      keySuffix: `author:${email}`,
      type: "github.commit_authored",
      occurredAt: latest > 0 ? latest : occurredAt,
      identifiers,
      traits: author.name ? { name: author.name } : {},
      properties: { repository, commits: commits.length, commit_ids: commits.map((c) => c.id) },
    });
  }
  return events;
};

/** The most specific timestamp the payload carries: head commit, then the subject's updated_at. */
function eventTime(body: Record<string, unknown>): number | undefined {
  const headCommit = body.head_commit as { timestamp?: string } | undefined;
  if (headCommit?.timestamp) return toEpochMs(headCommit.timestamp);
  for (const subject of ["issue", "pull_request", "release", "comment", "repository"]) {
    const value = body[subject] as { updated_at?: unknown; created_at?: unknown } | undefined;
    const at = toEpochMs(value?.updated_at) ?? toEpochMs(value?.created_at);
    if (at !== undefined) return at;
  }
  return undefined;
}
