import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

/**
 * The TCP ends of scripts/bench that are not ptth: run until killed.
 *
 * <pre>
 *   target PORT               the bench's TCP server on 127.0.0.1:PORT; the first byte of a connection picks the mode:
 *                               'E'  echo every byte (the 'E' too); at end of stream shut down output and close
 *                               'S'  sink: read to end of stream, then answer count (8 bytes) and CRC32C (8 bytes)
 *                               'L'  slow sink: 8 more bytes give a rate in bytes/s; read at most 64 KiB at a time,
 *                                    sleeping so that the rate is not exceeded; then answer like 'S'
 *   pump LISTEN_PORT TARGET_PORT   a plain user-space hop: one thread per direction per connection, 64 KiB buffers
 * </pre>
 */
public final class BenchTarget {

    private static final int BUFFER = 64 * 1024;

    public static void main(final String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("target")) {
            serve(Integer.parseInt(args[1]), BenchTarget::target);
        } else if (args.length == 3 && args[0].equals("pump")) {
            final int targetPort = Integer.parseInt(args[2]);
            serve(Integer.parseInt(args[1]), socket -> pump(socket, targetPort));
        } else {
            System.err.println("usage: BenchTarget target PORT | pump LISTEN_PORT TARGET_PORT");
            System.exit(64);
        }
    }

    private interface Handler {
        void handle(Socket socket) throws IOException;
    }

    private static void serve(final int port, final Handler handler) throws IOException {
        try (ServerSocket server = new ServerSocket(port, 4096, InetAddress.getLoopbackAddress())) {
            System.err.println("listening on 127.0.0.1:" + port);
            while (true) {
                final Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                start(() -> {
                    try (socket) {
                        handler.handle(socket);
                    } catch (final IOException e) {
                        System.err.println(socket.getRemoteSocketAddress() + ": " + e);
                    }
                });
            }
        }
    }

    private static void start(final Runnable task) {
        final Thread thread = new Thread(null, task, "bench-conn", 256 * 1024);
        thread.setDaemon(true);
        thread.start();
    }

    private static void target(final Socket socket) throws IOException {
        final InputStream in = socket.getInputStream();
        final OutputStream out = socket.getOutputStream();
        final int mode = in.read();
        switch (mode) {
            case -1:
                return;
            case 'E':
                out.write(mode);
                out.flush();
                in.transferTo(out);
                socket.shutdownOutput();
                return;
            case 'S':
                sink(in, out, 0);
                return;
            case 'L':
                sink(in, out, new DataInputStream(in).readLong());
                return;
            default:
                throw new IOException("unknown mode byte " + mode);
        }
    }

    /** Reads to end of stream (paced to bytesPerSecond when it is positive), then answers count and CRC32C. */
    private static void sink(final InputStream in, final OutputStream out, final long bytesPerSecond)
            throws IOException {
        final byte[] buffer = new byte[BUFFER];
        final CRC32C crc = new CRC32C();
        final long start = System.nanoTime();
        long count = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            crc.update(buffer, 0, n);
            count += n;
            if (bytesPerSecond > 0) {
                final long due = start + (long) (count * 1e9 / bytesPerSecond);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }
        final DataOutputStream answer = new DataOutputStream(out);
        answer.writeLong(count);
        answer.writeLong(crc.getValue());
        answer.flush();
    }

    private static void pump(final Socket downstream, final int targetPort) throws IOException {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            upstream.setTcpNoDelay(true);
            final Thread back = new Thread(null, () -> copy(upstream, downstream), "bench-pump", 256 * 1024);
            back.setDaemon(true);
            back.start();
            copy(downstream, upstream);
            try {
                back.join();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void copy(final Socket from, final Socket to) {
        final byte[] buffer = new byte[BUFFER];
        try {
            final InputStream in = from.getInputStream();
            final OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
            to.shutdownOutput();
        } catch (final IOException e) {
            try {
                from.close();
                to.close();
            } catch (final IOException ignored) {
                // both are going away
            }
        }
    }
}
