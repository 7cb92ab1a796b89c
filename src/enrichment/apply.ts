import { workspaceDb } from "../db/workspace-db";
import { conditionsHold, eventField, typeMatches } from "../events/conditions";
import type { CanonicalEvent } from "../events/event";
import { Normalizer } from "../identity/normalize";
import { loadRules } from "../identity/rules-store";
import { type IndicatorValues, readIndicators } from "../indicators/read";
import type { Env } from "../lib/env";
import { PermanentError } from "../lib/failure";
import { groupBy } from "../lib/group-by";
import { PromiseMemo } from "../lib/promise-memo";
import type { PreparedMessage } from "../pipeline/prepare";
import { type PlannedJob, planJobs } from "./async-jobs";
import { countExtensionCall } from "./call-counts";
import type { Extension } from "./config";
import { externalSystem, isPermanentFailure } from "./external-system";
import { type Answer, messageIdFor, parseAnswer, requestBody, requestHeaders } from "./protocol";
import { knownEvents, recordRejection } from "./rejections";
import { activeExtensions } from "./store";

/**
 * A sync extension failed and its policy is `retry`: the message is retried with backoff and, after the
 * last retry, dead-lettered with this message as the detail (see pipeline/settle.ts).
 */
export class ExtensionFailed extends Error {
  override name = "ExtensionFailed";
}

/**
 * The active extension lists of one queue batch: one read per workspace, however many of the batch's
 * messages ask at once. The consumer prepares a batch's messages in parallel, so when the per-isolate
 * list ({@link activeExtensions}, 2 s) has expired every message of the batch missed it together and
 * read D1 (up to 100 identical reads). Held per batch, like the pipeline's `SourceCache`. A failed read
 * is dropped, so a later message reads again; the messages already waiting on it fail with it (each is
 * retried as any failed message is), where before each had its own read.
 */
export class BatchExtensionLists {
  private readonly lists = new PromiseMemo<string, Extension[]>();

  constructor(private readonly env: Pick<Env, "SECRETS_KEY">) {}

  /** The enabled extensions of `workspace` (in `db`, its database) in run order. */
  get(db: D1Database, workspace: string): Promise<Extension[]> {
    return this.lists.get(workspace, () => activeExtensions(db, this.env.SECRETS_KEY, workspace));
  }
}

/**
 * The pipeline's extension step, between mapping and identity resolution. For each event of the
 * message, runs the workspace's matching sync extensions in order (each sees the previous one's
 * enrichment), drops events an extension rejects (recorded with the reason), flags events whose
 * extension failed under the `continue` policy, and lists the matching async extension calls on the
 * message (`asyncJobs`): they are recorded by {@link startAsyncJobs} only once the events are stored.
 *
 * Events already stored (a redelivery) or already rejected are not sent again: the external systems
 * see one call per event, not one per delivery attempt.
 * @returns the message with its events enriched; rejected events removed
 * @throws ExtensionFailed when an extension with policy `retry` failed (the whole message is retried),
 *   PermanentError when it failed in a way a retry cannot fix (an answer that is not UTF-8)
 */
export async function applyExtensions(
  env: Env,
  item: PreparedMessage,
  lists: BatchExtensionLists = new BatchExtensionLists(env),
): Promise<PreparedMessage> {
  if (item.events.length === 0) return item;
  const db = workspaceDb(env, item.envelope.workspace);
  const all = await lists.get(db, item.envelope.workspace);
  // Source and type are cheap to check: a message no extension could apply to costs no D1 read.
  const extensions = all.filter((x) => item.events.some((e) => scopeMatches(x, e)));
  if (extensions.length === 0) return item;
  const known = await knownEvents(db, item.events);
  const outcomes = await Promise.allSettled(
    item.events.map((event) => runChain(env, extensions, event, known)),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failed) throw failed.reason;
  const done = outcomes.map((o) => (o as PromiseFulfilledResult<Chained>).value);
  const asyncJobs = done.flatMap((d) => d.jobs);
  return {
    ...item,
    events: done.flatMap((d) => (d.event ? [d.event] : [])),
    ...(asyncJobs.length > 0 ? { asyncJobs } : {}),
  };
}

/**
 * Records the async extension calls of messages whose events are now stored, and wakes each external
 * system once. Called after identity resolution: a message that fails there (and may end as a dead
 * letter) must not leave calls queued for events that never get stored. Job ids are stable, so a
 * redelivery re-plans nothing.
 */
export async function startAsyncJobs(env: Env, items: readonly PreparedMessage[]): Promise<void> {
  const jobs = items.flatMap((i) => i.asyncJobs ?? []);
  if (jobs.length === 0) return;
  for (const [workspace, planned] of groupBy(jobs, (job) => job.event.workspace))
    await planJobs(workspaceDb(env, workspace), planned);
  const systems = new Map(jobs.map((j) => [`${j.event.workspace}\u0000${j.extension.system}`, j]));
  await Promise.all(
    [...systems.values()].map(({ event: { workspace }, extension: { system } }) =>
      externalSystem(env, workspace, system).wake(workspace, system),
    ),
  );
}

interface Chained {
  event: CanonicalEvent | null;
  jobs: PlannedJob[];
}

async function runChain(
  env: Env,
  extensions: readonly Extension[],
  original: CanonicalEvent,
  known: { stored: Set<string>; rejected: Set<string> },
): Promise<Chained> {
  if (known.rejected.has(original.eventKey)) return { event: null, jobs: [] };
  if (known.stored.has(original.eventKey)) return { event: original, jobs: [] };
  let event: CanonicalEvent = { ...original, warnings: [...original.warnings] };
  let indicators: Promise<IndicatorValues> | undefined;
  const indicatorsOf = () => {
    indicators ??= profileIndicators(workspaceDb(env, original.workspace), original);
    return indicators;
  };

  for (const extension of extensions) {
    if (extension.mode !== "sync" || !(await applies(extension, event, indicatorsOf))) continue;
    const answer = await callSync(env, extension, event);
    if ("failed" in answer) {
      // Under `retry` the event must not be stored without the enrichment: a failure that another
      // attempt cannot fix sends the message to the dead letters at once (replay it once fixed).
      if (extension.config.onFailure === "retry" && answer.permanent)
        throw new PermanentError(`extension "${extension.name}" failed: ${answer.failed}`);
      if (extension.config.onFailure === "retry")
        throw new ExtensionFailed(`extension "${extension.name}" failed: ${answer.failed}`);
      event.warnings.push(
        `extension "${extension.name}" not applied (continued without it): ${answer.failed}`,
      );
      continue;
    }
    if (answer.action === "reject") {
      await recordRejection(workspaceDb(env, event.workspace), extension, event, answer.reason);
      return { event: null, jobs: [] };
    }
    event = {
      ...event,
      traits: { ...event.traits, ...answer.traits },
      properties: { ...event.properties, ...answer.properties },
    };
  }

  const jobs: PlannedJob[] = [];
  for (const extension of extensions)
    if (extension.mode === "async" && (await applies(extension, event, indicatorsOf)))
      jobs.push({ extension, event });
  return { event, jobs };
}

/** Whether `extension` applies to `event`: source, event type and every condition. */
async function applies(
  extension: Extension,
  event: CanonicalEvent,
  indicatorsOf: () => Promise<IndicatorValues>,
): Promise<boolean> {
  const { conditions } = extension.config.match;
  if (!scopeMatches(extension, event)) return false;
  if (conditions.length === 0) return true;
  const values = conditions.some((c) => c.field.startsWith("indicators.")) ? await indicatorsOf() : {};
  return conditionsHold(conditions, (field) =>
    field.startsWith("indicators.")
      ? values[field.slice("indicators.".length)]?.value
      : eventField(event, field),
  );
}

/** Whether the event's source and type are among those the extension applies to. */
function scopeMatches(extension: Extension, event: CanonicalEvent): boolean {
  const { sources, eventTypes } = extension.config.match;
  if (sources && !sources.includes(event.sourceId)) return false;
  return !eventTypes || eventTypes.some((p) => typeMatches(p, event.type));
}

async function callSync(
  env: Env,
  extension: Extension,
  event: CanonicalEvent,
): Promise<Answer | { failed: string; permanent?: boolean }> {
  const body = requestBody(extension, event);
  const headers = await requestHeaders(extension, await messageIdFor(extension.id, event), body);
  const outcome = await externalSystem(env, extension.workspace, extension.system).call({
    extensionId: extension.id,
    url: extension.config.endpoint,
    headers,
    body,
    timeoutMs: extension.config.timeoutMs,
    limits: extension.config.limits,
  });
  countExtensionCall(extension, outcome);
  if (!outcome.ok)
    return {
      failed: `${outcome.failure}: ${outcome.detail}`,
      permanent: isPermanentFailure(outcome.failure),
    };
  const answer = parseAnswer(outcome.status, outcome.body);
  return "invalid" in answer ? { failed: answer.invalid } : answer;
}

/**
 * The indicators of the profile(s) the event's identifiers belong to, before this event is applied.
 * When they belong to several profiles (the event will merge them), the values are those of the merge.
 */
async function profileIndicators(db: D1Database, event: CanonicalEvent): Promise<IndicatorValues> {
  // The workspace's own identity rules, as the resolver stores identifiers: default rules would
  // produce other match keys for a workspace that changed its normalization.
  const normalizer = new Normalizer((await loadRules(db, event.workspace)).rules);
  const keys = event.identifiers
    .map((i) => normalizer.normalize(i, event.defaultRegion ? { defaultRegion: event.defaultRegion } : {}))
    .flatMap((n) => (n.ok ? [[n.type, n.value]] : []))
    .slice(0, 40);
  if (keys.length === 0) return readIndicators(db, event.workspace, []);
  const { results } = await db
    .prepare(
      `SELECT DISTINCT i.profile_id AS id FROM identifiers i
       WHERE i.workspace = ? AND (i.type, i.value) IN (${keys.map(() => "(?,?)").join(",")})`,
    )
    .bind(event.workspace, ...keys.flat())
    .all<{ id: string }>();
  return readIndicators(
    db,
    event.workspace,
    results.map((r) => r.id),
  );
}
