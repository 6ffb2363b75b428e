package org.ptth.proxy.mux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ValveBase;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.websocket.server.WsSci;
import org.ptth.protocol.mux.FrameParser;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.MuxProtocolException;

/**
 * Plays the relay's side of the mux transport for tests, frame by frame: an embedded Tomcat on
 * 127.0.0.1 port 0 with a WebSocket endpoint at {@code /relay/v1/{server}/mux}. Each accepted
 * connection is a {@link Peer} that the test reads frames from and writes frames to; the relay
 * answers PING with PONG by itself unless told not to. It can refuse the upgrade with any status,
 * and checks the key as the real relay does (401).
 */
public final class FakeMuxRelay implements AutoCloseable {

    static final String CONTEXT = "/relay";
    static final int WAIT_SECONDS = 30;

    private final Tomcat tomcat = new Tomcat();
    private final Connector connector;
    private final String key;
    final BlockingQueue<Peer> connections = new LinkedBlockingQueue<>();
    /** Every request: method and path. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Every upgrade request's path, including refused ones. */
    final List<String> upgrades = new CopyOnWriteArrayList<>();
    /** When not 0, every upgrade is answered with this status and {@link #refuseReason}. */
    volatile int refuseStatus;
    volatile String refuseReason = "refused by the test";
    /** When set, upgrades wait for it to open: the proxy's connect is in progress meanwhile. */
    volatile java.util.concurrent.CountDownLatch holdUpgrades;
    /** Whether PINGs are answered. */
    volatile boolean answerPings = true;
    private final boolean tls;

    /** A plain-HTTP relay that takes {@code key}. */
    public FakeMuxRelay(final String key, final Path baseDir) throws LifecycleException {
        this(key, baseDir, null);
    }

    /** @param keystore a PKCS12 keystore (password changeit) for HTTPS, or null for HTTP */
    FakeMuxRelay(final String key, final Path baseDir, final Path keystore) throws LifecycleException {
        this.key = key;
        this.tls = keystore != null;
        tomcat.setBaseDir(baseDir.toString());
        connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        if (keystore != null) {
            connector.setScheme("https");
            connector.setSecure(true);
            connector.setProperty("SSLEnabled", "true");
            final SSLHostConfig host = new SSLHostConfig();
            final SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(host,
                    SSLHostConfigCertificate.Type.UNDEFINED);
            certificate.setCertificateKeystoreFile(keystore.toString());
            certificate.setCertificateKeystorePassword("changeit");
            certificate.setCertificateKeystoreType("PKCS12");
            host.addCertificate(certificate);
            connector.addSslHostConfig(host);
        }
        tomcat.setConnector(connector);
        final Path docBase = baseDir.resolve("docs");
        try {
            Files.createDirectories(docBase);
        } catch (final IOException failed) {
            throw new LifecycleException(failed);
        }
        final Context context = tomcat.addContext(CONTEXT, docBase.toString());
        context.getPipeline().addValve(new Gate());
        // the upgrade is a filter's work, and filters run only for a request mapped to a servlet
        Tomcat.addServlet(context, "none", new jakarta.servlet.http.HttpServlet() {
            private static final long serialVersionUID = 1L;
        });
        context.addServletMappingDecoded("/", "none");
        context.addServletContainerInitializer(new WsSci(), null);
        context.addServletContainerInitializer((classes, servletContext) ->
                servletContext.addListener(new Deployer()), null);
        tomcat.start();
    }

    public String baseUrl() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + connector.getLocalPort() + CONTEXT + "/";
    }

    /** The next connection a proxy made, waiting for it. */
    public Peer nextConnection() throws InterruptedException {
        final Peer peer = connections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (peer == null) {
            throw new AssertionError("no mux connection within " + WAIT_SECONDS + " s; upgrades: " + upgrades);
        }
        return peer;
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }

    /** One frame as it came, its payload copied. */
    public record Frame(FrameType type, int tunnel, byte[] payload) {
        public ByteBuffer buffer() {
            return ByteBuffer.wrap(payload);
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** One proxy's connection, as the relay sees it. */
    public final class Peer {
        public final String server;
        private final Session session;
        private final FrameParser parser = new FrameParser();
        final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
        /** The same frames, by tunnel number (0: the connection's own). */
        private final java.util.Map<Integer, BlockingQueue<Frame>> byTunnel = new java.util.concurrent.ConcurrentHashMap<>();
        /** Every OPEN, in order. */
        final BlockingQueue<Frame> opens = new LinkedBlockingQueue<>();
        final AtomicInteger messages = new AtomicInteger();
        final AtomicInteger pings = new AtomicInteger();
        /** The token of the last PING, for a test that answers it itself. */
        volatile long lastPing;
        /** The token of the first PING after a GOAWAY from the proxy (0 before), for a test that answers it. */
        volatile long pingAfterGoaway;
        private volatile boolean goawaySeen;
        final BlockingQueue<String> closes = new LinkedBlockingQueue<>();

        Peer(final String server, final Session session) {
            this.server = server;
            this.session = session;
        }

        void received(final ByteBuffer message) {
            messages.incrementAndGet();
            try {
                parser.feed(message, (type, tunnel, payload) -> {
                    final byte[] copy = new byte[payload.remaining()];
                    payload.get(copy);
                    if (type == FrameType.PING) {
                        lastPing = ByteBuffer.wrap(copy).getLong();
                        if (goawaySeen && pingAfterGoaway == 0) {
                            pingAfterGoaway = lastPing;
                        }
                        pings.incrementAndGet();
                        if (answerPings) {
                            send(out -> Frames.pong(out, ByteBuffer.wrap(copy).getLong()));
                        }
                        return;
                    }
                    final Frame frame = new Frame(type, tunnel, copy);
                    if (type == FrameType.GOAWAY) {
                        goawaySeen = true;
                    }
                    frames.add(frame);
                    if (type == FrameType.OPEN) {
                        opens.add(frame);
                    } else {
                        queue(tunnel).add(frame);
                    }
                });
            } catch (final MuxProtocolException broken) {
                frames.add(new Frame(null, -1, broken.getMessage().getBytes(StandardCharsets.UTF_8)));
            }
            if (!parser.atBoundary()) {
                frames.add(new Frame(null, -1, "a frame spans two messages".getBytes(StandardCharsets.UTF_8)));
            }
        }

        private BlockingQueue<Frame> queue(final int tunnel) {
            return byTunnel.computeIfAbsent(tunnel, number -> new LinkedBlockingQueue<>());
        }

        /** The next frame of one tunnel (0: the connection's frames but PONG), waiting for it. */
        Frame next(final int tunnel) throws InterruptedException {
            while (true) {
                final Frame frame = queue(tunnel).poll(WAIT_SECONDS, TimeUnit.SECONDS);
                if (frame == null) {
                    throw new AssertionError("no frame on tunnel " + tunnel + " within " + WAIT_SECONDS + " s");
                }
                if (frame.type() != FrameType.PONG) {
                    return frame;
                }
            }
        }

        /** The next frame of one tunnel within {@code millis}, or null. */
        Frame poll(final int tunnel, final long millis) throws InterruptedException {
            return queue(tunnel).poll(millis, TimeUnit.MILLISECONDS);
        }

        /** The next frame of one tunnel, which must be of {@code type}. */
        public Frame expect(final int tunnel, final FrameType type) throws InterruptedException {
            final Frame frame = next(tunnel);
            if (frame.type() != type) {
                throw new AssertionError("expected " + type + " on tunnel " + tunnel + ", got " + frame.type() + ": "
                        + frame.text());
            }
            return frame;
        }

        /** The next OPEN the proxy sent. */
        public Frame nextOpen() throws InterruptedException {
            final Frame frame = opens.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (frame == null) {
                throw new AssertionError("no OPEN within " + WAIT_SECONDS + " s");
            }
            return frame;
        }

        /** The next frame other than PONG, waiting for it. */
        Frame next() throws InterruptedException {
            while (true) {
                final Frame frame = frames.poll(WAIT_SECONDS, TimeUnit.SECONDS);
                if (frame == null) {
                    throw new AssertionError("no frame from the proxy within " + WAIT_SECONDS + " s");
                }
                if (frame.type() == null) {
                    throw new AssertionError("the proxy broke the framing: " + frame.text());
                }
                if (frame.type() != FrameType.PONG) {
                    return frame;
                }
            }
        }

        /** The next frame, which must be of {@code type}. */
        Frame expect(final FrameType type) throws InterruptedException {
            final Frame frame = next();
            if (frame.type() != type) {
                throw new AssertionError("expected " + type + ", got " + frame.type() + " on tunnel " + frame.tunnel()
                        + ": " + frame.text());
            }
            return frame;
        }

        /** Writes one message holding the frames the writers put. */
        @SafeVarargs
        final void send(final Consumer<ByteBuffer>... writers) {
            final ByteBuffer out = ByteBuffer.allocate(Frames.MAX_MESSAGE_BYTES);
            for (final Consumer<ByteBuffer> writer : writers) {
                writer.accept(out);
            }
            out.flip();
            synchronized (this) {
                try {
                    session.getBasicRemote().sendBinary(out);
                } catch (final IOException | IllegalStateException gone) {
                    // the proxy went away; the test sees it in what it reads
                }
            }
        }

        public void open(final int tunnel, final String port, final String label, final byte[] first) {
            send(out -> Frames.open(out, tunnel, port, label, ByteBuffer.wrap(first)));
        }

        public void opened(final int tunnel) {
            send(out -> Frames.opened(out, tunnel));
        }

        public void data(final int tunnel, final byte[] bytes) {
            send(out -> Frames.data(out, tunnel, ByteBuffer.wrap(bytes)));
        }

        public void end(final int tunnel) {
            send(out -> Frames.end(out, tunnel));
        }

        void abort(final int tunnel, final String reason) {
            send(out -> Frames.abort(out, tunnel, reason));
        }

        public void credit(final int tunnel, final int increment) {
            send(out -> Frames.credit(out, tunnel, increment));
        }

        void refuse(final int tunnel, final int status, final String reason) {
            send(out -> Frames.refuse(out, tunnel, status, reason));
        }

        void pong(final long token) {
            send(out -> Frames.pong(out, token));
        }

        void goaway(final String reason) {
            send(out -> Frames.goaway(out, reason));
        }

        /** A WebSocket close: for the proxy, the connection is gone. */
        void close(final int code) throws IOException {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), "test"));
        }

        boolean isOpen() {
            return session.isOpen();
        }

        /** Frames received so far, not yet read by the test. */
        List<Frame> pending() {
            return new ArrayList<>(frames);
        }
    }

    /** Answers what the real relay answers before an upgrade: a refusal status, 401 for a wrong key. */
    private final class Gate extends ValveBase {
        @Override
        public void invoke(final Request request, final Response response) throws IOException, ServletException {
            requests.add(request.getMethod() + " " + request.getRequestURI());
            if (!request.getRequestURI().endsWith("/mux")) {
                deny(response, 404, "no four-stream endpoints in this fake relay");
                return;
            }
            upgrades.add(request.getRequestURI());
            final java.util.concurrent.CountDownLatch hold = holdUpgrades;
            if (hold != null) {
                try {
                    hold.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (final InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
            }
            final int status = refuseStatus;
            if (status != 0) {
                deny(response, status, refuseReason);
                return;
            }
            if (!("Bearer " + key).equals(request.getHeader("Authorization"))) {
                deny(response, 401, "unknown key");
                return;
            }
            if (!"websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
                deny(response, 426, "the mux endpoint takes a WebSocket upgrade only");
                return;
            }
            getNext().invoke(request, response);
        }

        private void deny(final Response response, final int status, final String reason) throws IOException {
            response.setStatus(status);
            response.setHeader("Ptth-Reason", reason);
            response.setContentType("text/plain;charset=UTF-8");
            response.getWriter().println(reason);
        }
    }

    /** Deploys the endpoint once Tomcat's WebSocket container is there. */
    private final class Deployer implements ServletContextListener {
        @Override
        public void contextInitialized(final ServletContextEvent event) {
            final ServerContainer container = (ServerContainer) event.getServletContext()
                    .getAttribute(ServerContainer.class.getName());
            final ServerEndpointConfig config = ServerEndpointConfig.Builder.create(MuxEndpoint.class, "/v1/{server}/mux")
                    .subprotocols(List.of(Frames.SUBPROTOCOL))
                    .configurator(new ServerEndpointConfig.Configurator() {
                        @Override
                        public <T> T getEndpointInstance(final Class<T> type) {
                            return type.cast(new MuxEndpoint());
                        }
                    })
                    .build();
            try {
                container.addEndpoint(config);
            } catch (final DeploymentException failed) {
                throw new IllegalStateException(failed);
            }
        }
    }

    /** One endpoint instance per connection. */
    final class MuxEndpoint extends Endpoint {
        private Peer peer;

        @Override
        public void onOpen(final Session session, final EndpointConfig config) {
            session.setMaxBinaryMessageBufferSize(Frames.MAX_MESSAGE_BYTES);
            session.setMaxIdleTimeout(0);
            peer = new Peer(session.getPathParameters().get("server"), session);
            session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) peer::received);
            connections.add(peer);
        }

        @Override
        public void onClose(final Session session, final CloseReason reason) {
            if (peer != null) {
                peer.closes.add(reason.getCloseCode().getCode() + " " + reason.getReasonPhrase());
            }
        }
    }
}
