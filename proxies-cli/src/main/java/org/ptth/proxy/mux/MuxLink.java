package org.ptth.proxy.mux;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import org.ptth.protocol.Reasons;
import org.ptth.protocol.mux.FrameParser;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.MuxProtocolException;
import org.ptth.protocol.mux.Payloads;
import org.ptth.proxy.relayclient.RelayProblem;

/**
 * One WebSocket connection to the relay and the tunnels it carries. Incoming messages are parsed
 * on the thread that delivers them, each frame dispatched to its tunnel (a DATA frame is written
 * to the tunnel's socket right there when the socket can take it), and the next message is
 * requested only once this one is done. Outgoing frames of all tunnels go through one
 * {@link FrameBatch}. A lost connection ends every tunnel on it at once.
 */
final class MuxLink implements WebSocket.Listener, FrameBatch.Events {

    /** What the proxy that owns the link does about the connection-level events. */
    interface Owner {
        /** An OPEN arrived for a new tunnel (a server proxy's link); its first bytes must be copied now. */
        void openRequested(MuxLink link, int number, Payloads.Open open);

        /** The relay sent GOAWAY: new tunnels go elsewhere, this link's tunnels finish here. */
        void goaway(MuxLink link, String reason);

        /** The connection is gone; its tunnels are already ended. */
        void lost(MuxLink link, String reason);
    }

    private static final Logger LOG = Logger.getLogger(MuxLink.class.getName());
    /** Close codes of RFC 6455. */
    static final int NORMAL_CLOSURE = 1000;
    static final int PROTOCOL_ERROR = 1002;

    /** Which connection of the proxy's life this is (1, 2, ...), set once it is up: for log lines. */
    private volatile int generation;
    private final Owner owner;
    private final ChannelLoop loop;
    private final FrameParser parser = new FrameParser();
    private final FrameBatch batch;
    private final Map<Integer, MuxTunnel> tunnels = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<MuxTunnel> parked = new ConcurrentLinkedQueue<>();
    private final AtomicInteger numbers = new AtomicInteger();
    private final AtomicBoolean over = new AtomicBoolean();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final Runnable flushRound;
    private volatile WebSocket socket;
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile long rttNanos;
    /** No new tunnel goes on this link: GOAWAY was sent or received. */
    private volatile boolean draining;
    /** GOAWAY was sent because a newer link took over, not because the proxy stops. */
    private volatile boolean replaced;
    /** The PING sent right after a renewal's GOAWAY; its PONG says the relay routes no more OPENs here. */
    private volatile long drainPingToken;
    /** False from a renewal's GOAWAY until the PONG of {@link #drainPingToken}. */
    private volatile boolean relayStoppedRouting = true;
    /** Completes at the first PONG: the relay has read everything sent before that PING. */
    private final CompletableFuture<Void> answered = new CompletableFuture<>();

    MuxLink(final Owner owner, final ChannelLoop loop) {
        this.owner = owner;
        this.loop = loop;
        this.batch = new FrameBatch(this::send, this);
        this.flushRound = batch::flush;
        loop.onRound(flushRound);
    }

    // --- WebSocket.Listener: called by the JDK's client, one call at a time ---

    @Override
    public void onOpen(final WebSocket webSocket) {
        this.socket = webSocket;
        lastReceivedNanos = System.nanoTime();
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last) {
        lastReceivedNanos = System.nanoTime();
        try {
            parser.feed(data, this::frame);
            if (last && !parser.atBoundary()) {
                throw new MuxProtocolException("a frame runs past the end of its message");
            }
        } catch (final MuxProtocolException broken) {
            protocolError(broken.getMessage());
            return null;
        }
        batch.flush();
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last) {
        protocolError("a text message (only binary messages carry frames)");
        return null;
    }

    @Override
    public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason) {
        lose("the relay closed the connection (" + statusCode
                + (reason == null || reason.isEmpty() ? "" : " " + Reasons.printable(reason)) + ")",
                statusCode == NORMAL_CLOSURE);
        return null;
    }

    @Override
    public void onError(final WebSocket webSocket, final Throwable error) {
        lose("connection failed: " + RelayProblem.describe(error));
    }

    // --- FrameBatch.Events ---

    @Override
    public void drained() {
        loop.execute(() -> {
            MuxTunnel tunnel;
            while ((tunnel = parked.poll()) != null) {
                tunnel.unpark();
            }
        });
    }

    @Override
    public void sendFailed(final Throwable failure) {
        lose("sending failed: " + RelayProblem.describe(failure));
    }

    // --- for tunnels and owners ---

    FrameBatch batch() {
        return batch;
    }

    ChannelLoop loop() {
        return loop;
    }

    /** A fresh tunnel number for an OPEN this side sends (a client's link). */
    int nextNumber() {
        return numbers.incrementAndGet();
    }

    /** The connection's latest round trip (PING to PONG), 0 before the first PONG. */
    long rttNanos() {
        return rttNanos;
    }

    boolean isOver() {
        return over.get();
    }

    boolean isDraining() {
        return draining;
    }

    /**
     * Completes at the first PONG. The relay reads a connection's frames in order, so by then it has
     * taken whatever this link sent before its first PING (a server's LISTEN).
     */
    CompletableFuture<Void> answered() {
        return answered;
    }

    /** Whether GOAWAY went out because a newer link took over (renewal): OPENs sent before it still count. */
    boolean isReplaced() {
        return replaced;
    }

    /** Completes once the link is gone. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    int tunnelCount() {
        return tunnels.size();
    }

    /** For log lines: {@code m2.17} is tunnel 17 of the second connection. */
    String tunnelId(final int number) {
        return "m" + generation + "." + Integer.toUnsignedString(number);
    }

    int generation() {
        return generation;
    }

    /** Numbers the connection once it is up. */
    void generation(final int number) {
        this.generation = number;
    }

    /** Adds a tunnel; false when the link is already gone (the caller resets its socket). */
    boolean add(final MuxTunnel tunnel) {
        tunnels.put(tunnel.number(), tunnel);
        if (over.get()) {
            tunnels.remove(tunnel.number());
            return false;
        }
        return true;
    }

    /** The tunnel ended; a draining link closes once its last tunnel has. */
    void remove(final MuxTunnel tunnel) {
        tunnels.remove(tunnel.number(), tunnel);
        closeIfDrained();
    }

    /** A draining link with no tunnel left, whose relay routes no more OPENs to it, closes. */
    private void closeIfDrained() {
        if (draining && tunnels.isEmpty() && relayStoppedRouting) {
            close("no tunnel left after GOAWAY");
        }
    }

    boolean hasTunnel(final int number) {
        return tunnels.containsKey(number);
    }

    /** The tunnel stops reading its socket until the batch has drained. */
    void park(final MuxTunnel tunnel) {
        parked.add(tunnel);
        if (!batch.backedUp()) {
            drained(); // it drained in between: nobody else will wake the tunnel
        }
    }

    /** Sends GOAWAY: no new tunnel on this link; it closes once its last tunnel has ended. */
    void goaway(final String reason) {
        draining = true;
        batch.goaway(reason);
        batch.flush();
        if (tunnels.isEmpty()) {
            close(reason);
        }
    }

    /**
     * Sends GOAWAY because {@code successor} carries new tunnels now: as {@link #goaway}, but an OPEN the
     * relay sent before it read the GOAWAY is still served here.
     */
    void replacedBy(final MuxLink successor) {
        replaced = true;
        // The relay may route an OPEN here until it reads the GOAWAY. It answers a PING sent after
        // the GOAWAY after any such OPEN (one ordered queue per connection), so the link stays open,
        // even with no tunnel, until that PONG: closing sooner had the relay refuse the OPEN (502).
        final long token = System.nanoTime() | 1;
        drainPingToken = token;
        relayStoppedRouting = false;
        draining = true;
        batch.goaway("renewed: connection " + successor.generation() + " takes new tunnels");
        batch.ping(token);
        batch.flush();
    }

    /** The relay said GOAWAY, or the owner moved on: close when the last tunnel ends. */
    void drain() {
        draining = true;
        closeIfDrained();
    }

    /** Sends PING, checks the peer timeout and grants what quiet tunnels have drained; from the timer. */
    void tick(final long peerTimeoutNanos) {
        final long now = System.nanoTime();
        if (now - lastReceivedNanos > peerTimeoutNanos) {
            lose("no frame from the relay for " + peerTimeoutNanos / 1_000_000_000 + " s: the connection is dead");
            return;
        }
        batch.ping(now);
        for (final MuxTunnel tunnel : tunnels.values()) {
            tunnel.grantQuiet(now);
        }
        batch.flush();
    }

    /** Closes the connection normally (its tunnels, if any, are cut). */
    void close(final String reason) {
        final WebSocket ws = socket;
        // the frames already batched first (a last tunnel's END): the close frame must not overtake them
        batch.allSent().whenComplete((sent, failed) -> {
            if (!end("closed: " + reason)) {
                return;
            }
            if (ws != null) {
                // The relay answers the close frame and then ends the TCP connection. Cutting it at
                // once could reset it while the relay still had the last frames to read: a socket
                // closed with unread bytes (the relay's CREDIT or PING) sends RST and drops what it
                // had not sent yet. So the cut waits for the relay, bounded.
                ws.sendClose(NORMAL_CLOSURE, "").whenComplete((ignored, failure) -> {
                    if (failure != null) {
                        ws.abort();
                    } else {
                        CompletableFuture.delayedExecutor(Frames.CLOSE_ANSWER_SECONDS, TimeUnit.SECONDS)
                                .execute(ws::abort);
                    }
                });
            }
        });
    }

    /** Cuts the connection at once (stopping, or a connection given up on); its tunnels are reset. */
    void abort(final String reason) {
        final WebSocket ws = socket;
        if (end(reason) && ws != null) {
            ws.abort();
        }
    }

    private void lose(final String reason) {
        lose(reason, false);
    }

    /**
     * @param normal a normal close by the relay (1000: GOAWAY, and every tunnel over at the relay):
     *               tunnels whose END came both ways still write what they hold to their socket
     */
    private void lose(final String reason, final boolean normal) {
        final WebSocket ws = socket;
        if (!end(reason, normal)) {
            return;
        }
        if (ws != null) {
            ws.abort();
        }
        owner.lost(this, reason);
    }

    private void protocolError(final String problem) {
        final WebSocket ws = socket;
        LOG.warning(() -> "mux connection " + generation + ": protocol error: " + problem);
        if (ws != null) {
            final String reason = new String(Reasons.truncate(problem, 120), java.nio.charset.StandardCharsets.UTF_8);
            ws.sendClose(PROTOCOL_ERROR, reason).whenComplete((ignored, failure) -> ws.abort());
        }
        lose("protocol error: " + problem);
    }

    private boolean end(final String reason) {
        return end(reason, false);
    }

    /**
     * Ends the link once; every tunnel on it is reset, but on a normal close those that need the link
     * no more (END both ways: they only write what they hold). False when it had ended already.
     */
    private boolean end(final String reason, final boolean normal) {
        if (!over.compareAndSet(false, true)) {
            return false;
        }
        loop.removeRoundHook(flushRound);
        final List<MuxTunnel> cut = new ArrayList<>(tunnels.values());
        for (final MuxTunnel tunnel : cut) {
            if (normal && tunnel.endedBothWays()) {
                continue;
            }
            tunnel.linkLost("connection to the relay " + reason);
        }
        tunnels.clear();
        ended.complete(null);
        return true;
    }

    private CompletionStage<?> send(final ByteBuffer message) {
        final WebSocket ws = socket;
        if (ws == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected yet"));
        }
        return ws.sendBinary(message, true);
    }

    private void frame(final FrameType type, final int number, final ByteBuffer payload) throws MuxProtocolException {
        switch (type) {
            case PING:
                batch.pong(Payloads.pingToken(payload));
                return;
            case PONG:
                final long sent = Payloads.pingToken(payload);
                final long rtt = System.nanoTime() - sent;
                if (rtt > 0 && rtt < 60_000_000_000L) {
                    rttNanos = rtt;
                }
                answered.complete(null);
                if (!relayStoppedRouting && sent == drainPingToken) {
                    relayStoppedRouting = true;
                    closeIfDrained();
                }
                return;
            case GOAWAY:
                final String why = Payloads.reason(payload);
                draining = true;
                owner.goaway(this, why);
                return;
            case LISTEN:
                throw new MuxProtocolException("LISTEN from the relay (only a server proxy sends it)");
            case OPEN:
                if (tunnels.containsKey(number)) {
                    throw new MuxProtocolException("OPEN reuses tunnel number " + Integer.toUnsignedString(number));
                }
                owner.openRequested(this, number, Payloads.open(payload));
                return;
            default:
                break;
        }
        final MuxTunnel tunnel = tunnels.get(number);
        if (tunnel == null) {
            // a tunnel that has just ended: its last frames cross ours
            if (type == FrameType.DATA || type == FrameType.CREDIT) {
                checkTunnelPayload(type, payload);
            }
            return;
        }
        switch (type) {
            case OPENED:
                Payloads.empty(type, payload);
                tunnel.opened();
                break;
            case REFUSE:
                tunnel.refused(Payloads.refusal(payload));
                break;
            case DATA:
                checkTunnelPayload(type, payload);
                tunnel.data(payload);
                break;
            case END:
                Payloads.empty(type, payload);
                tunnel.endReceived();
                break;
            case ABORT:
                tunnel.aborted(Payloads.reason(payload));
                break;
            case CREDIT:
                tunnel.credit(Payloads.credit(payload));
                break;
            default:
                throw new MuxProtocolException("unexpected " + type + " frame");
        }
    }

    private static void checkTunnelPayload(final FrameType type, final ByteBuffer payload) throws MuxProtocolException {
        if (type == FrameType.DATA && !payload.hasRemaining()) {
            throw new MuxProtocolException("DATA without bytes");
        }
        if (type == FrameType.CREDIT) {
            Payloads.credit(payload);
        }
    }
}
