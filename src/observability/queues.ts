import { metrics } from "./metrics/recorder";

/**
 * Queue bindings and the queue each sends to (wrangler.toml). Counting at the binding means every
 * producer is counted, whoever calls `send`, with no call site to forget.
 */
export const QUEUE_BINDINGS = {
  INGEST_QUEUE: "tributary-ingest",
  POLL_QUEUE: "tributary-poll",
  DEAD_LETTER_QUEUE: "tributary-dead-letters",
} as const;

/** Wrapped envs by the env they wrap: workerd hands every invocation of an isolate the same object. */
const wrappedEnvs = new WeakMap<object, object>();

/**
 * `env` with its queue bindings wrapped so that every successful `send`/`sendBatch` is counted as
 * sent (for `tributary_queue_pending` and `tributary_queue_backlog_seconds`). Other bindings are
 * passed through untouched. Built once per env object (kept in a WeakMap), so a request whose env is
 * the one the isolate saw before pays a lookup, not an object spread. An env without queue bindings
 * is returned as is.
 */
export function countingQueues<E extends object>(env: E): E {
  const known = wrappedEnvs.get(env);
  if (known) return known as E;
  const wrapped = wrapQueues(env);
  wrappedEnvs.set(env, wrapped);
  return wrapped;
}

function wrapQueues<E extends object>(env: E): E {
  const wrapped: Record<string, unknown> = {};
  for (const [binding, queueName] of Object.entries(QUEUE_BINDINGS)) {
    const queue = (env as Record<string, unknown>)[binding] as Queue<unknown> | undefined;
    if (!queue) continue;
    wrapped[binding] = {
      async send(body: unknown, options?: QueueSendOptions) {
        const response = await queue.send(body, options);
        metrics.queueSent(queueName, 1);
        return response;
      },
      async sendBatch(messages: Iterable<MessageSendRequest<unknown>>, options?: QueueSendBatchOptions) {
        const list = [...messages];
        const response = await queue.sendBatch(list, options);
        metrics.queueSent(queueName, list.length);
        return response;
      },
    } satisfies Pick<Queue<unknown>, "send" | "sendBatch">;
  }
  return Object.keys(wrapped).length === 0 ? env : { ...env, ...wrapped };
}

/**
 * `batch` with each message's `ack` (and the batch's `ackAll`) counted as processed for its queue: a
 * message leaves the backlog when its consumer acknowledges it, not when it is retried.
 */
export function countingAcks<B>(batch: MessageBatch<B>): MessageBatch<B> {
  const queue = batch.queue;
  let acked = new Set<Message<B>>();
  const messages = batch.messages.map((message) => {
    const counted: Message<B> = {
      get id() {
        return message.id;
      },
      get timestamp() {
        return message.timestamp;
      },
      get body() {
        return message.body;
      },
      get attempts() {
        return message.attempts;
      },
      ack() {
        message.ack();
        if (!acked.has(message)) {
          acked.add(message);
          metrics.queueProcessed(queue, 1);
        }
      },
      retry(options?: QueueRetryOptions) {
        message.retry(options);
      },
    };
    return counted;
  });
  return {
    queue,
    messages,
    get metadata() {
      return batch.metadata;
    },
    ackAll() {
      batch.ackAll();
      for (const m of batch.messages) if (!acked.has(m)) metrics.queueProcessed(queue, 1);
      acked = new Set(batch.messages);
    },
    retryAll(options?: QueueRetryOptions) {
      batch.retryAll(options);
    },
  };
}
