package org.ptth.proxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.pth1.Frame;
import org.ptth.protocol.pth1.FrameReader;
import org.ptth.protocol.pth1.FrameType;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutboundEntityTest {

    @Test
    void quietSocketGetsHeartbeatsAndEofBecomesEnd() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket peer = new Socket(listener.getInetAddress(), listener.getLocalPort());
             Socket local = listener.accept()) {
            final ClassicTunnel tunnel = new ClassicTunnel("a".repeat(32), "test", local, ClassicTunnel.Side.CLIENT);
            tunnel.flow().disable(); // without flow control the body ends with END
            final OutboundEntity entity = new OutboundEntity(tunnel,
                    new TunnelSettings(Duration.ofSeconds(1), Duration.ofSeconds(45)));
            final FlushedBytes body = new FlushedBytes();
            final CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    entity.writeTo(body);
                } catch (final java.io.IOException failed) {
                    throw new IllegalStateException(failed);
                }
            });

            peer.getOutputStream().write("ab".getBytes(StandardCharsets.US_ASCII));
            // the frame must be flushed while the socket stays open: nothing else would push it out
            body.awaitFlushed(10);
            Thread.sleep(2500); // quiet for longer than the heartbeat interval
            peer.shutdownOutput();
            writing.get(30, TimeUnit.SECONDS);

            final List<FrameType> types = new ArrayList<>();
            final FrameReader reader = new FrameReader(new ByteArrayInputStream(body.flushed()));
            Frame frame;
            do {
                frame = reader.next();
                types.add(frame.type());
            } while (frame.type() != FrameType.END && frame.type() != FrameType.ABORT);
            assertEquals(FrameType.DATA, types.get(0));
            assertTrue(types.contains(FrameType.HEARTBEAT), types.toString());
            assertEquals(FrameType.END, types.get(types.size() - 1));
            assertEquals(ClassicTunnel.Ending.END, entity.ending());
        }
    }

    /** Keeps only what was flushed, so a test sees what would really have left. */
    private static final class FlushedBytes extends ByteArrayOutputStream {
        private int flushedLength;

        @Override
        public synchronized void flush() {
            flushedLength = size();
            notifyAll();
        }

        synchronized byte[] flushed() {
            return java.util.Arrays.copyOf(toByteArray(), flushedLength);
        }

        /** Waits until a DATA frame's header and payload were flushed (4 preamble + 4 header + 2). */
        synchronized void awaitFlushed(final int seconds) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (flushedLength < 10 && System.nanoTime() < deadline) {
                wait(100);
            }
            assertTrue(flushedLength >= 10, "the DATA frame was flushed at once");
        }
    }
}
