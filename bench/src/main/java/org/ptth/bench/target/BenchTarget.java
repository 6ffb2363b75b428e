package org.ptth.bench.target;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The bench's own TCP server on 127.0.0.1:PORT, one thread per connection. The first byte a client
 * sends chooses what the connection is ({@link org.ptth.bench.load.EchoClient} is the other end):
 *
 * <ul>
 * <li>{@code E} echo: every byte comes back, the mode byte first; the client's end of stream ends it.</li>
 * <li>{@code S} sink: reads to end of stream, then answers the count and the CRC32C of what it read
 * (two big-endian longs).</li>
 * <li>{@code L} paced sink: as {@code S}, reading no faster than the big-endian long that follows
 * (bytes per second).</li>
 * <li>{@code P} park: reads nothing more and holds the connection (for ten minutes at most).</li>
 * <li>{@code F} flood: sends random bytes until the connection breaks, and reads nothing.</li>
 * </ul>
 */
public final class BenchTarget {

    private static final int BUFFER = 64 * 1024;
    private static final int PARK_MINUTES = 10;
    private static final byte[] FLOOD = new byte[4 * 1024 * 1024];

    static {
        new SplittableRandom(20240602L).nextBytes(FLOOD);
    }

    private BenchTarget() {
    }

    public static void main(final String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BenchTarget PORT");
            System.exit(2);
        }
        final int port = Integer.parseInt(args[0]);
        try (ServerSocket server = new ServerSocket(port, 4096, InetAddress.getLoopbackAddress())) {
            System.out.println("bench target listening on 127.0.0.1:" + port);
            while (true) {
                final Socket socket = server.accept();
                final Thread thread = new Thread(() -> serve(socket), "target-" + socket.getPort());
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    private static void serve(final Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            final InputStream in = socket.getInputStream();
            final OutputStream out = socket.getOutputStream();
            final int mode = in.read();
            switch (mode) {
                case 'E' -> echo(in, out, socket);
                case 'S' -> sink(in, out, 0);
                case 'L' -> sink(in, out, new DataInputStream(in).readLong());
                case 'P' -> park();
                case 'F' -> flood(out);
                default -> {
                    // end of stream before a mode, or an unknown one: nothing to serve
                }
            }
        } catch (final IOException | InterruptedException ended) {
            // a client that resets or goes away ends its connection; nothing to report
        }
    }

    private static void echo(final InputStream in, final OutputStream out, final Socket socket) throws IOException {
        out.write('E');
        out.flush();
        final byte[] buffer = new byte[BUFFER];
        for (int n; (n = in.read(buffer)) != -1; ) {
            out.write(buffer, 0, n);
        }
        socket.shutdownOutput();
    }

    private static void sink(final InputStream in, final OutputStream out, final long bytesPerSecond)
            throws IOException, InterruptedException {
        final CRC32C crc = new CRC32C();
        final byte[] buffer = new byte[BUFFER];
        final long start = System.nanoTime();
        long count = 0;
        for (int n; (n = in.read(buffer)) != -1; ) {
            crc.update(buffer, 0, n);
            count += n;
            if (bytesPerSecond > 0) {
                // not ahead of the pace: wait until this many bytes are due
                final long dueNanos = start + (long) (count * 1e9 / bytesPerSecond);
                final long early = dueNanos - System.nanoTime();
                if (early > 0) {
                    TimeUnit.NANOSECONDS.sleep(early);
                }
            }
        }
        final DataOutputStream answer = new DataOutputStream(out);
        answer.writeLong(count);
        answer.writeLong(crc.getValue());
        answer.flush();
    }

    /**
     * Holds the connection and reads nothing: the client's writes fill every buffer on the way. Not
     * reading, it cannot see the client go: it lets go after {@link #PARK_MINUTES} (a stall of the
     * bench lasts seconds).
     */
    private static void park() throws InterruptedException {
        TimeUnit.MINUTES.sleep(PARK_MINUTES);
    }

    private static void flood(final OutputStream out) throws IOException {
        int offset = 0;
        while (true) {
            out.write(FLOOD, offset, BUFFER);
            offset = (offset + 65_521) % (FLOOD.length - BUFFER);
        }
    }
}
