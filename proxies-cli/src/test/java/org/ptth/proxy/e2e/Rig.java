package org.ptth.proxy.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;

import org.ptth.proxy.client.ClientTerminator;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.relay.RelayAddress;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.server.Exposure;
import org.ptth.proxy.server.ServerTerminator;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * A fake relay, an echo target exposed as {@code echo} by a server terminator, and client
 * terminators on demand, all on 127.0.0.1 port 0; every log line of the org.ptth loggers is kept.
 */
final class Rig implements AutoCloseable {

    static final int WAIT_SECONDS = 30;

    final String serverKey = KeyFile.generateKey();
    final String clientKey = KeyFile.generateKey();
    final FakeRelay relay;
    final ExecutorService pool = TunnelThreads.newPool();
    final BlockingQueue<String> log = new LinkedBlockingQueue<>();
    final ServerTerminator server;
    private final ServerSocket target;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final Logger ptth = Logger.getLogger("org.ptth");
    private final Handler capture = new Handler() {
        @Override
        public void publish(final LogRecord record) {
            log.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /**
     * @param tls         the relay's HTTPS context, or null for HTTP
     * @param serverSide  settings of the server terminator
     * @param clientFor   makes the RelayClient for a key: lets a test choose trust and proxy
     */
    Rig(final SSLContext tls, final TunnelSettings serverSide,
        final BiFunction<RelayAddress, String, RelayClient> clientFor) throws IOException {
        ptth.addHandler(capture);
        ptth.setLevel(Level.INFO);
        relay = new FakeRelay(serverKey, clientKey, tls);
        target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.execute(this::echoForever);
        final RelayClient serverRelay = clientFor.apply(RelayAddress.parse(relay.baseUrl()), serverKey);
        server = new ServerTerminator(serverRelay, "office",
                List.of(new Exposure("echo", new HostPort("127.0.0.1", target.getLocalPort()))), 2, serverSide, pool);
        toClose.add(server);
        toClose.add(serverRelay);
        server.start();
    }

    /** A client terminator for port {@code echo}; returns it, its address via {@link #address}. */
    ClientTerminator client(final TunnelSettings settings, final RelayClient clientRelay) throws IOException {
        final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final ClientTerminator client = new ClientTerminator(listener, clientRelay, "office", "echo", settings, pool);
        toClose.add(0, clientRelay);
        toClose.add(0, client);
        pool.execute(() -> {
            try {
                client.serve();
            } catch (final IOException ignored) {
                // closed by the test
            }
        });
        listeners.add(listener);
        return client;
    }

    private final List<ServerSocket> listeners = new ArrayList<>();

    /** The local address of the n-th client terminator made. */
    InetSocketAddress address(final int index) {
        return (InetSocketAddress) listeners.get(index).getLocalSocketAddress();
    }

    RelayClient plainClient() {
        return new RelayClient(RelayAddress.parse(relay.baseUrl()), clientKey);
    }

    /** The next log line that contains {@code text}, waiting for it. */
    String nextLine(final String text) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            final String line = log.poll(1, TimeUnit.SECONDS);
            if (line != null && line.contains(text)) {
                return line;
            }
        }
        throw new AssertionError("no log line with '" + text + "'");
    }

    private void echoForever() {
        while (!target.isClosed()) {
            final Socket socket;
            try {
                socket = target.accept();
            } catch (final IOException closed) {
                return;
            }
            pool.execute(() -> {
                try (socket) {
                    final InputStream in = socket.getInputStream();
                    final OutputStream out = socket.getOutputStream();
                    in.transferTo(out);
                    socket.shutdownOutput();
                    in.read();
                } catch (final IOException gone) {
                    // the test cut it
                }
            });
        }
    }

    @Override
    public void close() throws Exception {
        for (final AutoCloseable closeable : toClose) {
            closeable.close();
        }
        target.close();
        relay.close();
        pool.shutdownNow();
        ptth.removeHandler(capture);
    }
}
