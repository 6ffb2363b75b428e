package org.ptth.relay.hostile;

import org.ptth.relay.support.ChunkedUpload;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tunnel that runs alongside the hostile requests: both directions carry a known random stream
 * in small paced pieces, in the background, and every byte is checked as it arrives. At the end
 * both bodies finish cleanly and every byte must have arrived, in order, unchanged.
 */
final class GuardTunnel {
    /** Stops the writers even if nobody does: about 10 minutes of pieces at 10 ms. */
    private static final int MAX_PIECES = 60_000;
    private static final int[] PIECE_SIZES = {1, 7, 100, 1500, 4096, 9000, 16_384, 3};

    private final OpenTunnel tunnel;
    private final Direction upstream;
    private final Direction downstream;

    private GuardTunnel(final OpenTunnel tunnel, final Direction upstream, final Direction downstream) {
        this.tunnel = tunnel;
        this.upstream = upstream;
        this.downstream = downstream;
    }

    static GuardTunnel start(final HostileRelay relay, final String clientKey) throws Exception {
        final OpenTunnel t = OpenTunnel.open(relay.calls(), clientKey, "guard");
        final ChunkedUpload up = relay.upload(clientKey, "v1/srv/upstream/" + t.id());
        final ChunkedUpload down = relay.upload(org.ptth.relay.support.EmbeddedRelay.SERVER_KEY,
                "v1/srv/downstream/" + t.id());
        final GuardTunnel guard = new GuardTunnel(t,
                new Direction("upstream", 0x5EED_0001L, up, t.accept().body()),
                new Direction("downstream", 0x5EED_0002L, down, t.connect().body()));
        guard.upstream.start();
        guard.downstream.start();
        return guard;
    }

    String id() {
        return tunnel.id();
    }

    /** Both directions still deliver: each has received more than it had when called. */
    void assertStillMoving() throws InterruptedException {
        upstream.assertMoving();
        downstream.assertMoving();
    }

    /** Ends both bodies cleanly (204 each) and checks every byte arrived intact. */
    void finishAndAssertIntact() throws Exception {
        assertStillMoving();
        upstream.finishAndAssertIntact();
        downstream.finishAndAssertIntact();
    }

    /** One direction: a writer thread feeding an upload, a reader thread checking a download. */
    private static final class Direction {
        private final String name;
        private final long seed;
        private final ChunkedUpload upload;
        private final InputStream download;
        private final AtomicLong written = new AtomicLong();
        private final AtomicLong received = new AtomicLong();
        private final Thread writer;
        private final Thread reader;
        private volatile boolean stop;
        private volatile boolean ended;
        private volatile long firstMismatch = -1;
        private volatile Throwable writeFailure;
        private volatile Throwable readFailure;

        Direction(final String name, final long seed, final ChunkedUpload upload, final InputStream download) {
            this.name = name;
            this.seed = seed;
            this.upload = upload;
            this.download = download;
            this.writer = new Thread(this::write, "guard-" + name + "-writer");
            this.reader = new Thread(this::read, "guard-" + name + "-reader");
            writer.setDaemon(true);
            reader.setDaemon(true);
        }

        void start() {
            reader.start();
            writer.start();
        }

        private void write() {
            long position = 0;
            try {
                for (int piece = 0; piece < MAX_PIECES && !stop; piece++) {
                    final int size = PIECE_SIZES[piece % PIECE_SIZES.length];
                    upload.write(ByteStream.slice(seed, position, size));
                    position += size;
                    written.set(position);
                    Thread.sleep(10);
                }
            } catch (final IOException | RuntimeException e) {
                writeFailure = e;
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void read() {
            final byte[] buffer = new byte[64 * 1024];
            long position = 0;
            try (download) {
                int n;
                while ((n = download.read(buffer)) >= 0) {
                    for (int i = 0; i < n; i++) {
                        if (firstMismatch < 0 && buffer[i] != ByteStream.at(seed, position + i)) {
                            firstMismatch = position + i;
                        }
                    }
                    position += n;
                    received.set(position);
                }
                ended = true;
            } catch (final IOException | RuntimeException e) {
                readFailure = e;
            }
        }

        void assertMoving() throws InterruptedException {
            final long before = received.get();
            for (int i = 0; i < 3000 && received.get() == before; i++) {
                assertNull(writeFailure, () -> "guard " + name + " writer failed: " + writeFailure);
                assertNull(readFailure, () -> "guard " + name + " reader failed: " + readFailure);
                Thread.sleep(10);
            }
            assertTrue(received.get() > before, "guard tunnel's " + name + " stopped moving at byte " + before);
            assertEquals(-1, firstMismatch, "guard tunnel's " + name + " corrupted at byte " + firstMismatch);
        }

        void finishAndAssertIntact() throws Exception {
            stop = true;
            writer.join(30_000);
            assertNull(writeFailure, () -> "guard " + name + " writer failed: " + writeFailure);
            assertEquals(204, upload.finish(), "guard tunnel's " + name + " did not end cleanly");
            upload.close();
            reader.join(30_000);
            assertNull(readFailure, () -> "guard " + name + " reader failed: " + readFailure);
            assertTrue(ended, "guard tunnel's " + name + " body did not end");
            assertEquals(written.get(), received.get(), "guard tunnel's " + name + ": bytes written vs received");
            assertEquals(-1, firstMismatch, "guard tunnel's " + name + " corrupted at byte " + firstMismatch);
            assertTrue(written.get() > 0, "guard tunnel's " + name + " moved nothing");
        }
    }
}
