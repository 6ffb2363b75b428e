package org.ptth.e2e.harness;

import org.ptth.protocol.mux.FrameParser;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A proxy's mux connection played with the JDK's WebSocket client, for tests of the relay's
 * multiplexed transport through a front without the proxies: each {@link #send} is one message of
 * whole frames, every frame received is queued. It grants credit for every DATA it receives.
 */
public final class MuxPeer implements AutoCloseable {
    /** A frame received. */
    public record Frame(FrameType type, int tunnel, byte[] payload) {
    }

    private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final FrameParser parser = new FrameParser();
    private WebSocket ws;

    private MuxPeer() {
    }

    /** Connects to {@code base v1/{server}/mux} (base: http:// or https:// URL of the relay, or of a front). */
    public static MuxPeer connect(final URI base, final String server, final String key) throws Exception {
        final MuxPeer peer = new MuxPeer();
        peer.ws = builder(key).buildAsync(muxUri(base, server), peer.listener()).get(30, TimeUnit.SECONDS);
        return peer;
    }

    /** The refusal the handshake met: its HTTP response (status, headers, body as text). */
    public static HttpResponse<?> refusal(final URI base, final String server, final String key) throws Exception {
        try {
            builder(key).buildAsync(muxUri(base, server), new WebSocket.Listener() {
            }).get(30, TimeUnit.SECONDS).abort();
            throw new AssertionError("the connection was upgraded");
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse();
            }
            throw e;
        }
    }

    private static WebSocket.Builder builder(final String key) {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().newWebSocketBuilder()
                .subprotocols(Frames.SUBPROTOCOL).header("Authorization", "Bearer " + key)
                .connectTimeout(Duration.ofSeconds(10));
    }

    private static URI muxUri(final URI base, final String server) {
        return URI.create(base.toString().replaceFirst("^http", "ws") + "v1/" + server + "/mux");
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            @Override
            public void onOpen(final WebSocket webSocket) {
                webSocket.request(1);
            }

            @Override
            public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last) {
                try {
                    parser.feed(data, (type, tunnel, payload) -> {
                        final byte[] bytes = new byte[payload.remaining()];
                        payload.get(bytes);
                        if (type == FrameType.DATA) {
                            final ByteBuffer credit = ByteBuffer.allocate(Frames.size(4));
                            Frames.credit(credit, tunnel, bytes.length);
                            send(credit.array());
                        }
                        frames.add(new Frame(type, tunnel, bytes));
                    });
                } catch (final Exception e) {
                    frames.add(new Frame(FrameType.ABORT, 0, e.toString().getBytes()));
                }
                webSocket.request(1);
                return null;
            }
        };
    }

    public synchronized void send(final byte[]... framesToSend) {
        final ByteArrayOutputStream message = new ByteArrayOutputStream();
        for (final byte[] f : framesToSend) {
            message.writeBytes(f);
        }
        ws.sendBinary(ByteBuffer.wrap(message.toByteArray()), true).join();
    }

    /** The next frame that is not a CREDIT or a PONG. */
    public Frame next() throws InterruptedException {
        while (true) {
            final Frame f = frames.poll(30, TimeUnit.SECONDS);
            if (f == null) {
                throw new AssertionError("no frame within 30 s");
            }
            if (f.type() != FrameType.CREDIT && f.type() != FrameType.PONG) {
                return f;
            }
        }
    }

    /** The next frame, PONGs included. */
    public Frame nextAny() throws InterruptedException {
        final Frame f = frames.poll(30, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("no frame within 30 s");
        }
        return f;
    }

    public static byte[] listen(final String... ports) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(Frames.listenPayload(List.of(ports))));
        Frames.listen(b, List.of(ports));
        return b.array();
    }

    public static byte[] open(final int tunnel, final String port) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(Frames.openPayload(port, "", 0)));
        Frames.open(b, tunnel, port, "", ByteBuffer.allocate(0));
        return b.array();
    }

    public static byte[] opened(final int tunnel) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(0));
        Frames.opened(b, tunnel);
        return b.array();
    }

    public static byte[] data(final int tunnel, final byte[] bytes, final int offset, final int length) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(length));
        Frames.data(b, tunnel, ByteBuffer.wrap(bytes, offset, length));
        return b.array();
    }

    public static byte[] ping(final long token) {
        final ByteBuffer b = ByteBuffer.allocate(Frames.size(8));
        Frames.ping(b, token);
        return b.array();
    }

    @Override
    public void close() {
        ws.abort();
    }
}
