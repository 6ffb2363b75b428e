package org.ptth.bench.load;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/** The TCP clients of scripts/bench: each talks to a BenchTarget through one way (direct, a hop, a tunnel) and checks what it gets back. */
public final class EchoClient {

    /** Random bytes that senders take slices of, at moving offsets, so that no two chunks in a row are alike. */
    private static final byte[] PATTERN = new byte[4 * 1024 * 1024];
    private static final int CHUNK = 64 * 1024;

    static {
        new SplittableRandom(20240601L).nextBytes(PATTERN);
    }

    private EchoClient() {
    }

    public static Socket connect(final int port) throws IOException {
        final Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        socket.setSoTimeout(60_000);
        return socket;
    }

    /** What a sink answered, and whether it matches what was sent. */
    public record SinkResult(long bytes, long nanos, boolean intact) {
    }

    /**
     * Sends for {@code seconds} (or {@code limitBytes} when positive) to a sink ('S', or 'L' paced to
     * {@code paceBytesPerSecond}), then shuts down output and waits for the sink's count and CRC32C.
     * The time runs from the first byte sent to the answer, so bytes still in flight are counted in.
     */
    public static SinkResult sink(final int port, final double seconds, final long limitBytes, final long paceBytesPerSecond)
            throws IOException {
        try (Socket socket = connect(port)) {
            socket.setSoTimeout(300_000);
            final OutputStream out = socket.getOutputStream();
            final CRC32C crc = new CRC32C();
            final long start = System.nanoTime();
            if (paceBytesPerSecond > 0) {
                out.write(ByteBuffer.allocate(9).put((byte) 'L').putLong(paceBytesPerSecond).array());
            } else {
                out.write('S');
            }
            final long deadline = start + (long) (seconds * 1e9);
            long sent = 0;
            int offset = 0;
            while (limitBytes > 0 ? sent < limitBytes : System.nanoTime() - deadline < 0) {
                final int n = (int) (limitBytes > 0 ? Math.min(CHUNK, limitBytes - sent) : CHUNK);
                out.write(PATTERN, offset, n);
                crc.update(PATTERN, offset, n);
                sent += n;
                offset = (offset + 65_521) % (PATTERN.length - CHUNK);
            }
            socket.shutdownOutput();
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final long count = in.readLong();
            final long sum = in.readLong();
            final long nanos = System.nanoTime() - start;
            return new SinkResult(sent, nanos, count == sent && sum == crc.getValue());
        }
    }

    /** An echo connection that is open and has echoed its mode byte. */
    public static Socket openEcho(final int port) throws IOException {
        final Socket socket = connect(port);
        socket.getOutputStream().write('E');
        if (socket.getInputStream().read() != 'E') {
            socket.close();
            throw new IOException("the echo did not answer its first byte");
        }
        return socket;
    }

    /** Nanoseconds from the start of the TCP connect until the first echoed byte; the connection is then ended cleanly. */
    public static long setupOnce(final int port) throws IOException {
        final long start = System.nanoTime();
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write('E');
            final InputStream in = socket.getInputStream();
            if (in.read() != 'E') {
                throw new IOException("the echo did not answer its first byte");
            }
            final long nanos = System.nanoTime() - start;
            socket.shutdownOutput();
            if (in.read() != -1) {
                throw new IOException("bytes after the echo");
            }
            return nanos;
        }
    }

    /**
     * Round-trip times of up to {@code count} 32-byte messages on one echo connection, after {@code warmup}
     * unmeasured ones; fewer when {@code maxSeconds} (if positive) have passed: a slow way is sampled, not waited for.
     */
    public static long[] pingPong(final int port, final int warmup, final int count, final double maxSeconds)
            throws IOException {
        final long[] rtt = new long[count];
        final long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
        // the warm-up may take a quarter of the time at most
        final long warmupDeadline = System.nanoTime() + (long) (maxSeconds * 0.25e9);
        int done = 0;
        try (Socket socket = openEcho(port)) {
            final OutputStream out = socket.getOutputStream();
            final InputStream in = socket.getInputStream();
            final byte[] ping = new byte[32];
            final byte[] pong = new byte[32];
            for (int i = -warmup; i < count; i++) {
                Arrays.fill(ping, (byte) i);
                ping[0] = (byte) (i >> 8);
                final long start = System.nanoTime();
                out.write(ping);
                readFully(in, pong);
                final long nanos = System.nanoTime() - start;
                if (!Arrays.equals(ping, pong)) {
                    throw new IOException("ping " + i + " came back altered");
                }
                if (i >= 0) {
                    rtt[done++] = nanos;
                    if (maxSeconds > 0 && System.nanoTime() - deadline > 0) {
                        break;
                    }
                } else if (maxSeconds > 0 && System.nanoTime() - warmupDeadline > 0) {
                    i = -1; // the warm-up is over: measure from the next ping on
                }
            }
            socket.shutdownOutput();
        }
        return Arrays.copyOf(rtt, done);
    }

    public static long[] pingPong(final int port, final int warmup, final int count) throws IOException {
        return pingPong(port, warmup, count, 0);
    }

    /** Sends {@code size} bytes particular to (seed) on an open echo connection and checks that exactly those come back. */
    public static void exchange(final Socket socket, final int size, final long seed) throws IOException {
        final byte[] sent = new byte[size];
        new SplittableRandom(seed).nextBytes(sent);
        socket.getOutputStream().write(sent);
        final byte[] back = new byte[size];
        readFully(socket.getInputStream(), back);
        if (!Arrays.equals(sent, back)) {
            throw new IOException("echoed bytes differ from the bytes sent");
        }
    }

    /** Ends an echo connection: half-close, expect end of stream and nothing before it. */
    public static void closeEcho(final Socket socket) throws IOException {
        try (socket) {
            socket.shutdownOutput();
            if (socket.getInputStream().read() != -1) {
                throw new IOException("bytes after the last exchange");
            }
        }
    }

    /**
     * A connection whose far end stopped reading: the target parks it ('P') and a thread here sends
     * until the path's buffers are full and its write blocks. Closing it (with a reset) ends the thread.
     */
    public static Socket stalledUpstream(final int port) throws IOException {
        final Socket socket = connect(port);
        socket.getOutputStream().write('P');
        final Thread writer = new Thread(() -> {
            try {
                final OutputStream out = socket.getOutputStream();
                while (true) {
                    out.write(PATTERN, 0, CHUNK);
                }
            } catch (final IOException e) {
                // closed by the bench: the end of this stall
            }
        }, "stalled-writer");
        writer.setDaemon(true);
        writer.start();
        return socket;
    }

    /** A connection whose near end (this one) stops reading while the target floods it ('F'). */
    public static Socket stalledDownstream(final int port) throws IOException {
        final Socket socket = connect(port);
        socket.getOutputStream().write('F');
        final byte[] first = new byte[1];
        readFully(socket.getInputStream(), first); // the flood has started; nothing more is read
        return socket;
    }

    /** Closes with a reset (SO_LINGER 0), as a cut connection ends. */
    public static void abort(final Socket socket) {
        try (socket) {
            socket.setSoLinger(true, 0);
        } catch (final IOException ignored) {
            // closed either way
        }
    }

    public static void readFully(final InputStream in, final byte[] buffer) throws IOException {
        int done = 0;
        while (done < buffer.length) {
            final int n = in.read(buffer, done, buffer.length - done);
            if (n < 0) {
                throw new IOException("end of stream after " + done + " of " + buffer.length + " bytes");
            }
            done += n;
        }
    }
}
