package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicLong;

/** The behaviours of {@link TcpTestServer}. */
public final class TcpHandlers {

    private static final AtomicLong SEEDS = new AtomicLong(0x5eed_0000L);

    private TcpHandlers() {
    }

    /** Echoes every byte; on end of stream, half-closes its side too (shutdownOutput) and closes. */
    public static TcpTestServer.Handler echo() {
        return socket -> {
            try (socket) {
                socket.getInputStream().transferTo(socket.getOutputStream());
                socket.getOutputStream().flush();
                socket.shutdownOutput();
            }
        };
    }

    /**
     * Half-close check: reads everything up to end of stream, then replies
     * {@code sha256(what was read)} (32 bytes), {@code replyBytes} random bytes, and {@code sha256} of
     * those random bytes (32 bytes), and closes. The client can check the whole reply on its own.
     */
    public static TcpTestServer.Handler digestThenReply(final int replyBytes) {
        return socket -> {
            try (socket) {
                final MessageDigest read = Transfer.sha256Digest();
                final byte[] buffer = new byte[64 * 1024];
                final InputStream in = socket.getInputStream();
                int n;
                while ((n = in.read(buffer)) != -1) {
                    read.update(buffer, 0, n);
                }
                final byte[] reply = Transfer.randomBytes(replyBytes, SEEDS.incrementAndGet());
                final OutputStream out = socket.getOutputStream();
                out.write(read.digest());
                out.write(reply);
                out.write(Transfer.sha256(reply));
                out.flush();
                socket.shutdownOutput();
            }
        };
    }

    /** What one connection of {@link #sinkAndSource} received and sent. */
    public record Bulk(Transfer received, Transfer sent) {
    }

    /**
     * Bulk check: reads to end of stream while it sends {@code bytes} random bytes of its own, then
     * half-closes; when both directions are done it reports what it read and wrote, and closes.
     */
    public static TcpTestServer.Handler sinkAndSource(final long bytes, final BlockingQueue<Bulk> results) {
        return socket -> {
            try (socket) {
                final FutureTask<Transfer> sink = new FutureTask<>(() -> Transfer.readToEnd(socket.getInputStream()));
                final Thread reader = new Thread(sink, Thread.currentThread().getName() + "-sink");
                reader.setDaemon(true);
                reader.start();
                final Transfer sent = Transfer.writeRandom(socket.getOutputStream(), bytes, SEEDS.incrementAndGet());
                socket.shutdownOutput();
                final Transfer received;
                try {
                    received = sink.get();
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                } catch (final ExecutionException e) {
                    throw new IOException("reading the client's stream failed", e.getCause());
                }
                results.add(new Bulk(received, sent));
            }
        };
    }

    /** Gives the accepted socket to the test (which then owns it) and does nothing else. */
    public static TcpTestServer.Handler handOver(final BlockingQueue<Socket> sockets) {
        return sockets::add;
    }

    /**
     * Reads one byte and hands the connection to the handler that byte selects (the byte is not part
     * of what that handler sees). A connection that ends before the byte, or selects nothing, is closed.
     */
    public static TcpTestServer.Handler dispatch(final Map<Character, TcpTestServer.Handler> handlers) {
        return socket -> {
            final int selector;
            try {
                selector = socket.getInputStream().read();
            } catch (final IOException e) {
                socket.close();
                throw e;
            }
            final TcpTestServer.Handler handler = selector < 0 ? null : handlers.get((char) selector);
            if (handler == null) {
                socket.close();
                return;
            }
            handler.handle(socket);
        };
    }
}
