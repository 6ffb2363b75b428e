package org.ptth.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/** What the client proxy says when a tunnel ends before the relay has answered its connect. */
class ClientTunnelOpenerTest {

    private static final int WAIT_SECONDS = 30;
    private static final TunnelSettings DUPLEX =
            new TunnelSettings(Duration.ofSeconds(1), Duration.ofSeconds(45)).withTransport(Transport.DUPLEX);

    private final Logger ptth = Logger.getLogger("org.ptth");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(final LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final ExecutorService pool = TunnelThreads.newPool();

    @AfterEach
    void stop() {
        ptth.removeHandler(capture);
        pool.shutdownNow();
    }

    @Test
    void aClientThatResetsWhileTheConnectWaitsIsNotReportedAsAnUnreachableRelay() throws Exception {
        ptth.addHandler(capture);
        ptth.setLevel(Level.INFO);
        try (ServerSocket silentRelay = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket local = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             RelayClient relay = new RelayClient(RelayAddress.parse(
                     "http://127.0.0.1:" + silentRelay.getLocalPort() + "/ptth-relay/"), "key")) {
            // a relay that reads the connect and never answers, as one does while no server accepts
            pool.execute(() -> drainEveryConnection(silentRelay));
            final ClientTunnelOpener opener = new ClientTunnelOpener(relay, "office", "ssh", DUPLEX, pool,
                    new LiveTunnels());
            final Socket peer = new Socket(InetAddress.getLoopbackAddress(), local.getLocalPort());
            final Socket accepted = local.accept();
            final Future<?> opened = pool.submit(() -> opener.open(accepted));

            peer.getOutputStream().write("SSH-2.0-".getBytes(StandardCharsets.US_ASCII));
            peer.setSoLinger(true, 0);
            peer.close();
            opened.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        final List<String> closed = records.stream().map(LogRecord::getMessage)
                .filter(m -> m.contains(" closed: ")).toList();
        assertEquals(1, closed.size(), "one closing line: " + closed);
        assertTrue(closed.get(0).contains("TCP connection failed"), closed.get(0));
        final List<String> warnings = records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogRecord::getMessage).toList();
        assertEquals(List.of(), warnings, "the relay did nothing wrong");
    }

    @Test
    void aRefusedDuplexConnectIsReportedWithTheRelaysReason() throws Exception {
        ptth.addHandler(capture);
        ptth.setLevel(Level.INFO);
        final byte[] refusal = ("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain;charset=UTF-8\r\n"
                + "Content-Length: 34\r\n\r\ntarget refused by server proxy: x\n").getBytes(StandardCharsets.US_ASCII);
        try (ServerSocket refusingRelay = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket local = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             RelayClient relay = new RelayClient(RelayAddress.parse(
                     "http://127.0.0.1:" + refusingRelay.getLocalPort() + "/ptth-relay/"), "key")) {
            pool.execute(() -> answerEveryHead(refusingRelay, refusal));
            final ClientTunnelOpener opener = new ClientTunnelOpener(relay, "office", "ssh", DUPLEX, pool,
                    new LiveTunnels());
            try (Socket peer = new Socket(InetAddress.getLoopbackAddress(), local.getLocalPort())) {
                final Socket accepted = local.accept();
                pool.submit(() -> opener.open(accepted)).get(WAIT_SECONDS, TimeUnit.SECONDS);
                final java.net.SocketException reset = org.junit.jupiter.api.Assertions.assertThrows(
                        java.net.SocketException.class, () -> peer.getInputStream().read(),
                        "the client's connection is reset: the tunnel never opened");
                assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset::toString);
            }
        }
        final List<String> warnings = records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogRecord::getMessage).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).endsWith("refused: HTTP 502: target refused by server proxy: x"), warnings.get(0));
    }

    /** A relay that answers every request head with {@code answer}, then reads on until the caller goes. */
    private static void answerEveryHead(final ServerSocket server, final byte[] answer) {
        while (!server.isClosed()) {
            try {
                final Socket connection = server.accept();
                final Thread responder = new Thread(() -> {
                    try (connection; InputStream in = connection.getInputStream()) {
                        int matched = 0;
                        final byte[] end = {'\r', '\n', '\r', '\n'};
                        while (matched < end.length) {
                            final int b = in.read();
                            if (b < 0) {
                                return;
                            }
                            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
                        }
                        connection.getOutputStream().write(answer);
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (final IOException gone) {
                        // the proxy cut it
                    }
                });
                responder.setDaemon(true);
                responder.start();
            } catch (final IOException closed) {
                return;
            }
        }
    }

    private static void drainEveryConnection(final ServerSocket server) {
        while (!server.isClosed()) {
            try {
                final Socket connection = server.accept();
                final Thread reader = new Thread(() -> {
                    try (connection; InputStream in = connection.getInputStream()) {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (final IOException gone) {
                        // the proxy cut it
                    }
                });
                reader.setDaemon(true);
                reader.start();
            } catch (final IOException closed) {
                return;
            }
        }
    }
}
