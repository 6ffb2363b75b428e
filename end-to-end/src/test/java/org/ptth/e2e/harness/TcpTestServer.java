package org.ptth.e2e.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TCP server at the far end of the tunnel: listens on 127.0.0.1, port 0, and runs one
 * {@link Handler} per accepted connection on its own thread (see {@link TcpHandlers}). A handler
 * owns its socket and closes it; {@link #close()} closes whatever is still open. Handler failures
 * are kept in {@link #errors()} for the test to look at.
 */
public final class TcpTestServer implements AutoCloseable {

    /** What the server does with one accepted connection. */
    @FunctionalInterface
    public interface Handler {
        void handle(Socket socket) throws IOException;
    }

    /** Reads on accepted sockets time out after this long, so that no handler thread waits forever. */
    public static final int READ_TIMEOUT_MILLIS = 180_000;

    private final String name;
    private final ServerSocket serverSocket;
    private final Handler handler;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;

    private TcpTestServer(final String name, final Handler handler) throws IOException {
        this.name = name;
        this.handler = handler;
        this.serverSocket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        final AtomicInteger threadNumber = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            final Thread t = new Thread(r, "tcp-" + name + "-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public static TcpTestServer start(final String name, final Handler handler) throws IOException {
        final TcpTestServer server = new TcpTestServer(name, handler);
        server.threads.execute(server::acceptLoop);
        return server;
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    /** {@code 127.0.0.1:PORT}, as the server proxy's --expose takes it. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    public int acceptedCount() {
        return accepted.get();
    }

    public List<Throwable> errors() {
        return new ArrayList<>(errors);
    }

    /** Forgets the failures seen so far (between tests that share the server). */
    public void clearErrors() {
        errors.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            final Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (final IOException e) {
                if (!closed) {
                    errors.add(e);
                }
                return;
            }
            accepted.incrementAndGet();
            open.add(socket);
            threads.execute(() -> serve(socket));
        }
    }

    private void serve(final Socket socket) {
        try {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            handler.handle(socket);
        } catch (final SocketException e) {
            if (!closed) {
                errors.add(e);
            }
        } catch (final IOException | RuntimeException e) {
            errors.add(e);
        } finally {
            if (socket.isClosed()) {
                open.remove(socket);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (final IOException e) {
            // nothing more to do
        }
        for (final Socket s : open) {
            try {
                s.close();
            } catch (final IOException e) {
                // nothing more to do
            }
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TCP server " + name + " on " + address();
    }
}
