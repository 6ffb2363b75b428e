package org.ptth.proxy.client;

import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * The client end: accepts local TCP connections and carries each through the relay to one port of
 * one server. Accepting happens on the caller's thread; each connection runs on the tunnel pool.
 */
public final class ClientTerminator implements Closeable {

    private static final Logger LOG = Logger.getLogger(ClientTerminator.class.getName());

    private final ServerSocket listener;
    private final ClientTunnelOpener opener;
    private final ExecutorService pool;
    private final LiveTunnels live = new LiveTunnels();

    public ClientTerminator(final ServerSocket listener, final RelayClient relay, final String server,
                            final String port, final TunnelSettings settings, final ExecutorService pool) {
        this.listener = listener;
        this.pool = pool;
        this.opener = new ClientTunnelOpener(relay, server, port, settings, pool, live);
    }

    /** Accepts connections until the listening socket is closed. */
    public void serve() throws IOException {
        while (!listener.isClosed()) {
            final Socket connection;
            try {
                connection = listener.accept();
            } catch (final IOException failed) {
                if (listener.isClosed()) {
                    return;
                }
                throw failed;
            }
            try {
                pool.execute(() -> opener.open(connection));
            } catch (final RuntimeException rejected) {
                LOG.log(Level.WARNING, "cannot serve connection from " + connection.getRemoteSocketAddress()
                        + ": " + rejected.getMessage());
                TcpOptions.closeQuietly(connection);
            }
        }
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
