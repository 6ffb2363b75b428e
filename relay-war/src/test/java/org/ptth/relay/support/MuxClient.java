package org.ptth.relay.support;

import org.ptth.protocol.mux.FrameParser;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A proxy's mux connection, played by a test with the JDK's WebSocket client: it sends frames
 * (each {@link #send} is one binary message) and queues every frame it receives. It keeps the
 * credit the relay passes on per tunnel, so that {@link #sendData} never goes past it, and
 * {@link #pause()} stops reading the connection altogether, as a proxy that stalled would.
 */
public final class MuxClient implements AutoCloseable {
    private static final long WAIT_SECONDS = 30;

    /** A received frame. */
    public record Frame(FrameType type, int tunnel, byte[] payload) {
        public String text() {
            return new String(payload, type == FrameType.REFUSE ? 2 : 0,
                    payload.length - (type == FrameType.REFUSE ? 2 : 0), StandardCharsets.UTF_8);
        }

        public int status() {
            return ByteBuffer.wrap(payload).getShort() & 0xffff;
        }

        public int credit() {
            return ByteBuffer.wrap(payload).getInt();
        }

        @Override
        public String toString() {
            return type + " " + Integer.toUnsignedString(tunnel) + " (" + payload.length + " bytes"
                    + (type == FrameType.DATA || payload.length == 0 ? "" : ": " + text()) + ")";
        }
    }

    /** Why the relay refused the connection: its HTTP status and reason. */
    public record Refusal(int status, String reason, Map<String, List<String>> headers) {
    }

    private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final Map<Integer, AtomicLong> credit = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> creditReceived = new ConcurrentHashMap<>();
    private final Object creditChanged = new Object();
    private final FrameParser parser = new FrameParser();
    private volatile boolean paused;
    private volatile boolean autoCredit;
    private final Set<Integer> withheld = ConcurrentHashMap.newKeySet();
    private WebSocket ws;

    private MuxClient() {
    }

    /** Connects to {@code v1/{server}/mux} under the relay's base URL (http://...). */
    public static MuxClient connect(final String baseUrl, final String server, final String key) throws Exception {
        final MuxClient client = new MuxClient();
        client.ws = builder(key).buildAsync(muxUri(baseUrl, server), client.listener()).get(WAIT_SECONDS, TimeUnit.SECONDS);
        return client;
    }

    /** Tries to connect and expects a refusal; returns it. */
    public static Refusal refused(final String baseUrl, final String server, final String key) throws Exception {
        try {
            final WebSocket unexpected = builder(key).buildAsync(muxUri(baseUrl, server), new WebSocket.Listener() {
            }).get(WAIT_SECONDS, TimeUnit.SECONDS);
            unexpected.abort();
            return fail("the relay upgraded the connection");
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                final var response = h.getResponse();
                final Object body = response.body();
                return new Refusal(response.statusCode(), body == null ? "" : body.toString(),
                        response.headers().map());
            }
            throw e;
        }
    }

    private static WebSocket.Builder builder(final String key) {
        final WebSocket.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                .newWebSocketBuilder().subprotocols(Frames.SUBPROTOCOL).connectTimeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    static URI muxUri(final String baseUrl, final String server) {
        return URI.create(baseUrl.replaceFirst("^http", "ws") + "v1/" + server + "/mux");
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            @Override
            public void onOpen(final WebSocket webSocket) {
                webSocket.request(1);
            }

            @Override
            public java.util.concurrent.CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data,
                                                                    final boolean last) {
                try {
                    parser.feed(data, (type, tunnel, payload) -> received(type, tunnel, payload));
                } catch (final Exception e) {
                    closed.completeExceptionally(e);
                }
                if (!paused) {
                    webSocket.request(1);
                }
                return null;
            }

            @Override
            public java.util.concurrent.CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode,
                                                                   final String reason) {
                closed.complete(statusCode + " " + reason);
                return null;
            }

            @Override
            public void onError(final WebSocket webSocket, final Throwable error) {
                closed.complete("error " + error);
            }
        };
    }

    private void received(final FrameType type, final int tunnel, final ByteBuffer payload) {
        final byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        if (type == FrameType.CREDIT) {
            creditReceived.computeIfAbsent(tunnel, k -> new AtomicLong()).addAndGet(ByteBuffer.wrap(bytes).getInt());
            credit.computeIfAbsent(tunnel, k -> new AtomicLong(Frames.INITIAL_WINDOW)).addAndGet(ByteBuffer.wrap(bytes).getInt());
            synchronized (creditChanged) {
                creditChanged.notifyAll();
            }
        }
        if (type == FrameType.DATA && autoCredit && !withheld.contains(tunnel)) {
            send(credit(tunnel, bytes.length));
        }
        frames.add(new Frame(type, tunnel, bytes));
    }

    /** Grant credit for every DATA as it arrives, as a receiver that keeps up would. */
    public MuxClient autoCredit() {
        autoCredit = true;
        return this;
    }

    /** No credit for this tunnel, even with {@link #autoCredit()}: a receiver whose TCP peer stopped reading. */
    public MuxClient withholdCredit(final int tunnel) {
        withheld.add(tunnel);
        return this;
    }

    /** Stops reading the connection: the relay's writes to it back up. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
        ws.request(1);
    }

    // ---- sending

    /** Sends the frames as one binary message. */
    public synchronized void send(final byte[]... framesToSend) {
        final ByteArrayOutputStream message = new ByteArrayOutputStream();
        for (final byte[] f : framesToSend) {
            message.writeBytes(f);
        }
        try {
            ws.sendBinary(ByteBuffer.wrap(message.toByteArray()), true).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (final Exception e) {
            throw new CompletionException("send failed", e);
        }
    }

    /** Sends the bytes as DATA frames within the credit of the tunnel, waiting for more when it is used up. */
    public void sendData(final int tunnel, final byte[] bytes) throws InterruptedException {
        final AtomicLong left = credit.computeIfAbsent(tunnel, k -> new AtomicLong(Frames.INITIAL_WINDOW));
        int at = 0;
        while (at < bytes.length) {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            synchronized (creditChanged) {
                while (left.get() <= 0) {
                    final long wait = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (wait <= 0) {
                        fail("no credit for tunnel " + tunnel + " after " + at + " bytes");
                    }
                    creditChanged.wait(wait);
                }
            }
            final int part = (int) Math.min(Math.min(left.get(), Frames.MAX_PAYLOAD), bytes.length - at);
            left.addAndGet(-part);
            send(data(tunnel, ByteBuffer.wrap(bytes, at, part)));
            at += part;
        }
    }

    /** The credit this client has on the tunnel: the initial window, plus every CREDIT, less what it sent. */
    public long creditLeft(final int tunnel) {
        return credit.computeIfAbsent(tunnel, k -> new AtomicLong(Frames.INITIAL_WINDOW)).get();
    }

    /** Sends OPEN with the first bytes, which count against the tunnel's credit. */
    public void open(final int tunnel, final String port, final byte[] firstBytes) {
        credit.computeIfAbsent(tunnel, k -> new AtomicLong(Frames.INITIAL_WINDOW)).addAndGet(-firstBytes.length);
        send(openFrame(tunnel, port, firstBytes));
    }

    /** All the CREDIT this client received for the tunnel. */
    public long creditReceived(final int tunnel) {
        return creditReceived.computeIfAbsent(tunnel, k -> new AtomicLong()).get();
    }

    public static byte[] openFrame(final int tunnel, final String port, final byte[] firstBytes) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(Frames.openPayload(port, "", firstBytes.length)));
        Frames.open(b, tunnel, port, "", ByteBuffer.wrap(firstBytes));
        return b.array();
    }

    public static byte[] opened(final int tunnel) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(0));
        Frames.opened(b, tunnel);
        return b.array();
    }

    public static byte[] refuse(final int tunnel, final int status, final String reason) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(2 + Frames.reasonPayload(reason)));
        Frames.refuse(b, tunnel, status, reason);
        return b.array();
    }

    public static byte[] data(final int tunnel, final ByteBuffer bytes) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(bytes.remaining()));
        Frames.data(b, tunnel, bytes);
        return b.array();
    }

    public static byte[] data(final int tunnel, final byte[] bytes) {
        return data(tunnel, ByteBuffer.wrap(bytes));
    }

    public static byte[] end(final int tunnel) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(0));
        Frames.end(b, tunnel);
        return b.array();
    }

    public static byte[] abort(final int tunnel, final String reason) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(Frames.reasonPayload(reason)));
        Frames.abort(b, tunnel, reason);
        return b.array();
    }

    public static byte[] credit(final int tunnel, final int increment) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(4));
        Frames.credit(b, tunnel, increment);
        return b.array();
    }

    public static byte[] ping(final long token) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(8));
        Frames.ping(b, token);
        return b.array();
    }

    public static byte[] listen(final String... ports) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(Frames.listenPayload(List.of(ports))));
        Frames.listen(b, List.of(ports));
        return b.array();
    }

    public static byte[] goaway(final String reason) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(Frames.reasonPayload(reason)));
        Frames.goaway(b, reason);
        return b.array();
    }

    // ---- receiving

    /** The next frame, whatever it is. */
    public Frame next() throws InterruptedException {
        final Frame f = frames.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(f, "no frame within " + WAIT_SECONDS + " s (closed: " + closed.getNow("no") + ")");
        return f;
    }

    /** The next frame that is not one of {@code skipped}. */
    public Frame nextSkipping(final Set<FrameType> skipped) throws InterruptedException {
        while (true) {
            final Frame f = next();
            if (!skipped.contains(f.type())) {
                return f;
            }
        }
    }

    /** The next frame other than CREDIT and PONG, which must be of this type and tunnel. */
    public Frame expect(final FrameType type, final int tunnel) throws InterruptedException {
        final Frame f = nextSkipping(Set.of(FrameType.CREDIT, FrameType.PONG));
        assertEquals(type + " " + Integer.toUnsignedString(tunnel), f.type() + " " + Integer.toUnsignedString(f.tunnel()),
                "got " + f);
        return f;
    }

    /** Reads DATA of the tunnel (skipping CREDIT and PONG) until {@code expected} has come, byte for byte. */
    public void expectData(final int tunnel, final byte[] expected) throws InterruptedException {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < expected.length) {
            got.writeBytes(expect(FrameType.DATA, tunnel).payload());
        }
        assertArrayEquals(expected, got.toByteArray());
    }

    /** A frame waiting already, or null: for checking that nothing came. */
    public Frame poll(final long millis) throws InterruptedException {
        return frames.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** How the relay closed the connection ("1002 reason"), waiting for it. */
    public String closedWith() throws Exception {
        return closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Sends a close frame and waits for the relay's. */
    public void closeNormally() throws Exception {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(WAIT_SECONDS, TimeUnit.SECONDS);
        closedWith();
    }

    /** Drops the connection without a close frame. */
    public void abortConnection() {
        ws.abort();
    }

    @Override
    public void close() {
        ws.abort();
    }
}
