package org.ptth.proxy.client;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * The client end: accepts local TCP connections and carries each through the relay to one port of
 * one server. Accepting and the tunnels run on the tunnel pool; {@link #serve()} waits until accepting stops.
 */
public final class ClientTerminator implements Closeable {

    private final ServerSocket listener;
    private final ClientTunnelOpener opener;
    private final ExecutorService pool;
    private final LiveTunnels live = new LiveTunnels();
    /** Completes when accepting has stopped: normally once the listener is closed. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile Route route;

    public ClientTerminator(final ServerSocket listener, final RelayClient relay, final String server,
                            final String port, final TunnelSettings settings, final ExecutorService pool) {
        this.listener = listener;
        this.pool = pool;
        this.opener = new ClientTunnelOpener(relay, server, port, settings, pool, live);
    }

    /**
     * Accepts connections until the listening socket is closed. The thread that accepts a connection
     * opens its tunnel itself and hands accepting on to another pool thread: the new connection
     * never waits for a thread to wake up.
     */
    public void serve() throws IOException {
        acceptNext();
        try {
            stopped.get();
        } catch (final InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while accepting");
        } catch (final ExecutionException failed) {
            throw failed.getCause() instanceof IOException ? (IOException) failed.getCause()
                    : new IOException(failed.getCause());
        }
    }

    private void acceptNext() {
        try {
            pool.execute(this::acceptOne);
        } catch (final RuntimeException rejected) {
            stopped.completeExceptionally(new IOException("no thread to accept connections: " + rejected.getMessage()));
        }
    }

    /**
     * Accepts until a connection needs the four-stream or duplex transport: that thread then opens
     * the tunnel itself (it blocks for the tunnel's life) and another thread goes on accepting.
     * Connections the route takes (the mux transport) cost no thread: this one accepts the next.
     */
    private void acceptOne() {
        while (true) {
            final Socket connection;
            try {
                connection = listener.accept();
            } catch (final IOException failed) {
                if (listener.isClosed()) {
                    stopped.complete(null);
                } else {
                    stopped.completeExceptionally(failed);
                }
                return;
            }
            final Route now = route;
            if (now != null && connection.getChannel() != null && now.take(connection)) {
                continue;
            }
            acceptNext();
            opener.open(connection);
            return;
        }
    }

    /** Decides per accepted connection whether another transport carries it (the mux transport). */
    public interface Route {
        /** True when it took the connection; false for the four-stream or duplex opener. */
        boolean take(Socket connection);
    }

    /**
     * Sends accepted connections to {@code mux} first. The listener must be a channel's socket
     * ({@link java.nio.channels.ServerSocketChannel#socket()}), so that accepted sockets have channels.
     */
    public void route(final Route mux) {
        this.route = mux;
    }

    /** Opens a tunnel for a connection with the four-stream or duplex transport, on a pool thread. */
    public void openWithoutRoute(final Socket connection) {
        try {
            if (connection.getChannel() != null && !connection.getChannel().isBlocking()) {
                connection.getChannel().configureBlocking(true);
            }
            pool.execute(() -> opener.open(connection));
        } catch (final IOException | RuntimeException failed) {
            TcpOptions.closeQuietly(connection);
        }
    }

    /** The tunnels open now, whatever carries them. */
    public LiveTunnels live() {
        return live;
    }

    /** Closes the listening socket: new connections are refused, open tunnels go on. */
    public void stopAccepting() {
        try {
            listener.close();
        } catch (final IOException ignored) {
            // it is closed either way
        }
    }

    /** How many tunnels are open now. */
    public int openTunnels() {
        return live.count();
    }

    /**
     * Lets the open tunnels finish within the grace period, then cuts those left.
     *
     * @return how many had to be cut
     */
    public int drain(final Duration grace) throws InterruptedException {
        return live.drain(grace);
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
