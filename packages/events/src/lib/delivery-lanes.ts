// Schedules each stream's delivery passes in a lane of its own, so a receiver that hangs delays only
// its own stream. A lane runs one pass at a time and queues at most one more behind it (SETs may
// fall due after the running pass claimed), shared by every caller meanwhile; while the deliverer
// is started, a lane also watches the queue and wakes its stream when SETs are queued for it, and
// follows a pass that spent its batch with the next at once: a backlog drains at the receiver's
// pace, not one batch per poll.
import type { EventStream, SetQueue, StreamStore } from './streams.js';

/** One stream's delivery: the pass running, the one queued after it, and the watch for new SETs. */
interface Lane {
  stream: EventStream;
  running?: Promise<number> | undefined;
  queued?: Promise<number> | undefined;
  watch?: AbortController | undefined;
}

/** What one pass did: the deliveries it attempted, and whether only its batch size stopped it. */
export interface PassResult {
  readonly attempted: number;
  readonly full: boolean;
}

/** What the lanes need from the deliverer that owns them. */
export interface DeliveryLanesOptions {
  readonly queue: SetQueue;
  readonly streams: StreamStore;
  /** Aborted by the deliverer's close(): no pass starts and every watch ends. */
  readonly closing: AbortSignal;
  /** Whether the deliverer was started: only then do lanes watch for new SETs. */
  readonly started: () => boolean;
  /** One pass of one stream. */
  readonly pass: (stream: EventStream) => Promise<PassResult>;
  readonly report: (error: unknown, context: { readonly streamId?: string }) => void;
}

/** Every stream's lane, made by {@link createDeliveryLanes}. */
export interface DeliveryLanes {
  /**
   * One pass of one stream; while its pass runs, one more after it, shared by every caller
   * meanwhile. Other streams never wait for it.
   */
  deliverStreamDue(stream: EventStream): Promise<number>;
  /** Stops watching streams not in `deliverable`, and drops their lanes once idle. */
  keepOnly(deliverable: ReadonlySet<string>): void;
  /** The passes running or queued, for close() to wait on. */
  passes(): Promise<number>[];
}

/** Whether the deliverer delivers the stream: enabled, and push or webhook. */
export function isDeliverable(stream: EventStream | undefined): stream is EventStream {
  return stream?.status === 'enabled' && stream.delivery.method !== 'poll';
}

/** Makes the lanes of a deliverer, none yet: a stream's lane is made on its first pass. */
export function createDeliveryLanes(options: DeliveryLanesOptions): DeliveryLanes {
  const { queue, streams, closing, report } = options;
  const lanes = new Map<string, Lane>();

  /**
   * Wakes the stream when SETs are queued for it (while started). Armed when a pass begins, not when
   * it ends: a SET queued while the pass makes its last claim (a round trip to a SQL queue) is then
   * heard of and gets a pass of its own, rather than wait for the next poll (for ever with
   * `pollMs: 0`). A wake-up that starts no pass (the stream is paused, or could not be read) arms
   * it again, or every later SET of the stream would go unheard until the next poll.
   */
  const watch = (lane: Lane): void => {
    if (!options.started() || closing.aborted || lane.watch !== undefined) return;
    const watching = new AbortController();
    lane.watch = watching;
    const stop = () => watching.abort();
    closing.addEventListener('abort', stop, { once: true });
    const { id, tenant } = lane.stream;
    let watchAgain = false;
    queue
      .changed(id, watching.signal)
      .then(
        async () => {
          if (watching.signal.aborted) return;
          try {
            // The stream may have been paused, changed or deleted since: look it up again.
            const stream = await streams.get(id, tenant);
            if (isDeliverable(stream)) void deliverStreamDue(stream);
            else watchAgain = stream !== undefined;
          } catch (error) {
            report(error, { streamId: id });
            watchAgain = true;
          }
        },
        // A queue whose `changed` fails is not watched again until the stream's next pass: at once,
        // it could fail again at once, for ever.
        (error: unknown) => report(error, { streamId: id }),
      )
      .catch((error: unknown) => report(error, { streamId: id }))
      .finally(() => {
        closing.removeEventListener('abort', stop);
        if (lane.watch !== watching) return;
        lane.watch = undefined;
        if (watchAgain) watch(lane);
      });
  };

  const beginLane = (lane: Lane): Promise<number> => {
    watch(lane);
    const running: Promise<number> = options
      .pass(lane.stream)
      .catch((error: unknown): PassResult => {
        // An injected now() or random() that throws, or a bug: reported, and the next pass retries.
        report(error, { streamId: lane.stream.id });
        return { attempted: 0, full: false };
      })
      .then(({ attempted, full }) => {
        if (lane.running === running) lane.running = undefined;
        // SETs are still due: waiting for the next poll would cap the stream at one batch per poll.
        // A pass queued meanwhile goes next anyway.
        if (full && options.started() && !closing.aborted && lane.queued === undefined)
          void continueLane(lane);
        else watch(lane);
        return attempted;
      });
    lane.running = running;
    return running;
  };

  /** The next pass at once, of the stream as it is now (it may have been paused or deleted). */
  const continueLane = async (lane: Lane): Promise<void> => {
    const { id, tenant } = lane.stream;
    try {
      const stream = await streams.get(id, tenant);
      if (isDeliverable(stream)) await deliverStreamDue(stream);
      else watch(lane);
    } catch (error) {
      report(error, { streamId: id });
      watch(lane);
    }
  };

  const deliverStreamDue = (stream: EventStream): Promise<number> => {
    if (closing.aborted) return Promise.resolve(0);
    let lane = lanes.get(stream.id);
    if (lane === undefined) {
      lane = { stream };
      lanes.set(stream.id, lane);
    }
    // The next pass uses the stream as last listed (a new endpoint or token takes effect).
    lane.stream = stream;
    if (lane.queued !== undefined) return lane.queued;
    if (lane.running === undefined) return beginLane(lane);
    const next = lane.running.then(() => {
      lane.queued = undefined;
      return beginLane(lane);
    });
    lane.queued = next;
    return next;
  };

  return {
    deliverStreamDue,
    keepOnly(deliverable) {
      for (const [id, lane] of lanes) {
        if (deliverable.has(id)) continue;
        lane.watch?.abort();
        lane.watch = undefined;
        if (lane.running === undefined && lane.queued === undefined) lanes.delete(id);
      }
    },
    passes() {
      return [...lanes.values()]
        .flatMap((lane) => [lane.queued, lane.running])
        .filter((pass) => pass !== undefined);
    },
  };
}
