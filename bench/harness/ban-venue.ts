/**
 * The ban run's fake venue, in its own process (forked by `bench/protection.bench.ts`):
 * `startFakeVenue` (createVenueSim behind node:http) on 127.0.0.1, exchange mode, with
 * the options the parent sends.
 *
 * Protocol over IPC: the parent sends `{ start: FakeVenueOptions }` (without functions);
 * the child answers `{ port }` once listening. `{ stats: true }` is answered with
 * `{ stats }` (the venue's `stats()`). Exits on SIGTERM or when the parent disconnects.
 */
import { startFakeVenue, type FakeVenue, type FakeVenueOptions } from '../../src/testing/fake-venue.js';

let venue: FakeVenue | undefined;

process.on('message', (message: { start?: FakeVenueOptions; stats?: boolean }) => {
  if (message.start !== undefined) {
    void startFakeVenue({ ...message.start, port: 0 }).then(
      (started) => {
        venue = started;
        process.send?.({ port: Number(new URL(started.url).port) });
      },
      (error: unknown) => {
        process.send?.({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1));
      },
    );
  } else if (message.stats === true) {
    process.send?.({ stats: venue?.stats() });
  }
});

const stop = (): void => {
  const closing = venue?.close() ?? Promise.resolve();
  void closing.finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
