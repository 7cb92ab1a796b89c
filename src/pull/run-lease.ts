import type { PollJobStore } from "./jobs";

/** How often, at most, a run in progress extends its lease (ms): often enough, far below LEASE_MS. */
export const HEARTBEAT_EVERY_MS = 30_000;

/** The run lost its lease (the cron took it for lost and re-dispatched it, or it was paused): stop. */
export class LeaseLost extends Error {
  constructor(sourceId: string, runId: string) {
    super(`poll run ${runId} of ${sourceId} no longer holds its lease`);
  }
}

/**
 * The lease one poller invocation holds on a run, extended as the run makes progress (an API page, a
 * listing, a file chunk) so a long pull is never taken for a lost one by the cron, while a poller that
 * died or hangs stops extending it and the run becomes due again once the lease and `STALE_MS` (jobs.ts)
 * have passed. Extensions are throttled to one D1 write per {@link HEARTBEAT_EVERY_MS}. The run's own
 * job writes go through {@link write}, fenced on the lease held. Once lost, `lost` stays true and
 * {@link beat} / {@link write} throw {@link LeaseLost}: the run must stop without recording anything.
 */
export class RunLease {
  lost = false;
  private lastBeat: number;

  constructor(
    private readonly jobs: PollJobStore,
    private readonly sourceId: string,
    private readonly runId: string,
    private held: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.lastBeat = clock();
  }

  /** When the lease this invocation holds ends (epoch ms), as last written. */
  get heldUntil(): number {
    return this.held;
  }

  /**
   * Records progress: extends the lease when the last extension is {@link HEARTBEAT_EVERY_MS} old.
   * @throws LeaseLost when another invocation holds the job now, or the run ended or was paused
   */
  async beat(): Promise<void> {
    if (this.lost) throw new LeaseLost(this.sourceId, this.runId);
    const now = this.clock();
    if (now - this.lastBeat < HEARTBEAT_EVERY_MS) return;
    const until = await this.jobs.heartbeat(this.sourceId, this.runId, this.held, now);
    if (until === null) {
      this.lost = true;
      throw new LeaseLost(this.sourceId, this.runId);
    }
    this.held = until;
    this.lastBeat = now;
  }

  /**
   * Makes one of the run's job writes (PollJobStore's commitPage, complete, fail, wait, release), passing
   * it the lease held; the write is conditional on it and answers whether it changed the job. One that
   * changed nothing found the lease gone (taken over after this invocation stalled, run ended or reset,
   * page commit of a paused run): the lease is lost from then on.
   * @throws LeaseLost when the write changed nothing, or the lease was lost before
   */
  async write(fencedWrite: (heldUntil: number) => Promise<boolean>): Promise<void> {
    if (this.lost) throw new LeaseLost(this.sourceId, this.runId);
    if (await fencedWrite(this.held)) return;
    this.lost = true;
    throw new LeaseLost(this.sourceId, this.runId);
  }

  /** `stream` as it is, with a {@link beat} per chunk; a lost lease errors the stream. */
  watch(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    return stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: async (chunk, controller) => {
          await this.beat();
          controller.enqueue(chunk);
        },
      }),
    );
  }
}
