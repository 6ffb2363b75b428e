package org.ptth.proxy.mux;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;

import org.ptth.proxy.client.ClientTerminator;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.relayclient.HttpProxySetting;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.server.Exposure;
import org.ptth.proxy.server.ServerTerminator;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * A fake mux relay and proxies made on demand, in this JVM, all on 127.0.0.1 port 0; every log
 * line of the org.ptth loggers is kept. The test plays the relay frame by frame.
 */
final class MuxRig implements AutoCloseable {

    static final int WAIT_SECONDS = FakeMuxRelay.WAIT_SECONDS;
    /** Quick heartbeats and a short peer timeout, so that the tests of both need not wait long. */
    static final TunnelSettings MUX = new TunnelSettings(Duration.ofSeconds(1), Duration.ofSeconds(4))
            .withTransport(Transport.MUX);
    static final TunnelSettings AUTO = MUX.withTransport(Transport.AUTO);

    final String key = KeyFile.generateKey();
    final FakeMuxRelay relay;
    final ExecutorService pool = TunnelThreads.newPool();
    final BlockingQueue<String> log = new LinkedBlockingQueue<>();
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

    MuxRig(final Path dir) throws Exception {
        this(dir, null);
    }

    /** @param keystore PKCS12 (password changeit) for an HTTPS relay, or null */
    MuxRig(final Path dir, final Path keystore) throws Exception {
        ptth.addHandler(capture);
        ptth.setLevel(Level.INFO);
        relay = new FakeMuxRelay(key, dir, keystore);
    }

    /** The proxies' renewal age (--renew-after); zero, never, unless a test sets it before starting one. */
    Duration renewAfter = Duration.ZERO;

    MuxTransport.Relay relayConfig(final SSLContext tls, final HttpProxySetting proxy) {
        return new MuxTransport.Relay(RelayAddress.parse(relay.baseUrl()), key, tls, proxy, renewAfter);
    }

    /** A client proxy for {@code office/echo}; returns the address to connect to. */
    InetSocketAddress client(final TunnelSettings settings) throws IOException {
        return client(settings, relayConfig(null, HttpProxySetting.DIRECT));
    }

    InetSocketAddress client(final TunnelSettings settings, final MuxTransport.Relay config) throws IOException {
        final ServerSocket listener = ServerSocketChannel.open().socket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final RelayClient fourStream = new RelayClient(config.address(), key, config.tls(), config.proxy());
        final ClientTerminator terminator = new ClientTerminator(listener, fourStream, "office", "echo", settings, pool);
        final MuxTransport mux = MuxTransport.client(config, settings, "office", "echo", terminator);
        toClose.add(0, fourStream);
        toClose.add(0, terminator);
        toClose.add(0, mux);
        mux.start();
        pool.execute(() -> {
            try {
                terminator.serve();
            } catch (final IOException ignored) {
                // closed by the test
            }
        });
        clientTerminators.add(terminator);
        clientTransports.add(mux);
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    final List<ClientTerminator> clientTerminators = new ArrayList<>();
    final List<MuxTransport> clientTransports = new ArrayList<>();

    /** A server proxy named {@code office} with these exposures. */
    Server server(final TunnelSettings settings, final List<Exposure> exposures) {
        final RelayClient fourStream = new RelayClient(RelayAddress.parse(relay.baseUrl()), key);
        final ServerTerminator terminator = new ServerTerminator(fourStream, "office", exposures, 1, settings, pool);
        final MuxTransport mux = MuxTransport.server(relayConfig(null, HttpProxySetting.DIRECT), settings, "office",
                exposures, terminator);
        toClose.add(0, fourStream);
        toClose.add(0, terminator);
        toClose.add(0, mux);
        mux.start();
        return new Server(terminator, mux);
    }

    record Server(ServerTerminator terminator, MuxTransport mux) {
    }

    private Target target;

    /** The TCP target the server proxy connects for its exposures; started on first use, closed with the rig. */
    Target target() throws IOException {
        if (target == null) {
            target = new Target();
            toClose.add(target);
        }
        return target;
    }

    /** A TCP server on 127.0.0.1 that keeps each connection it accepts, for the test to take in turn. */
    static final class Target implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

        private Target() throws IOException {
            final Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        final Socket one = socket.accept();
                        one.setSoTimeout(WAIT_SECONDS * 1000);
                        accepted.add(one);
                    } catch (final IOException closed) {
                        return;
                    }
                }
            }, "mux-rig-target");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /** An exposure of this target under {@code name}. */
        Exposure exposure(final String name) {
            return new Exposure(name, new HostPort("127.0.0.1", socket.getLocalPort()));
        }

        /** The next connection the server proxy made, waiting for it. */
        Socket next() throws InterruptedException {
            final Socket one = accepted.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (one == null) {
                throw new AssertionError("the server proxy did not connect its target");
            }
            return one;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (final Socket one : accepted) {
                one.close();
            }
        }
    }

    Socket connect(final InetSocketAddress address) throws IOException {
        final Socket socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(WAIT_SECONDS * 1000);
        toClose.add(socket);
        return socket;
    }

    /** The next log line that contains {@code text}, waiting for it. */
    String nextLine(final String text) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        final List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            final String line = log.poll(1, TimeUnit.SECONDS);
            if (line != null) {
                seen.add(line);
                if (line.contains(text)) {
                    return line;
                }
            }
        }
        throw new AssertionError("no log line with '" + text + "' in " + seen);
    }

    @Override
    public void close() throws Exception {
        for (final AutoCloseable closeable : toClose) {
            try {
                closeable.close();
            } catch (final Exception ignored) {
                // close the rest
            }
        }
        relay.close();
        pool.shutdownNow();
        ptth.removeHandler(capture);
    }
}
