package org.ptth.relay.registry;

import org.ptth.protocol.Headers;
import org.ptth.protocol.Names;
import org.ptth.protocol.Refusal;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.metrics.ByteCounts;
import org.ptth.relay.metrics.TunnelMeter;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.pump.Splice;


import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * One tunnelled TCP connection at the relay: the client's connect waiting for a server, then two
 * splices, upstream (client to server) and downstream (server to client).
 *
 * <pre>
 * WAITING --listen poll takes it--> OFFERED --accept--> OPEN --both directions ended--> CLOSED
 *    ^                                  |                 \--any stream failed--------> CLOSED
 *    \------- accept timeout: re-offer -/--refuse / no server in time------------------> CLOSED
 * </pre>
 */
final class Tunnel implements Splice.Events, Exchange.Failure, ByteCounts {
    private static final Logger AUDIT = Logger.getLogger("org.ptth.relay.audit");

    enum State { WAITING, OFFERED, OPEN, CLOSED }

    private final TunnelRegistry registry;
    private final PortKey target;
    private final Principal client;
    private final Exchange connect;
    private final boolean connectDuplex;
    private final boolean connectFlowControl;
    private final String clientAddress;
    private final long startNanos = System.nanoTime();
    private final long connectDeadlineNanos;
    private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    private final Splice upstream;
    private final Splice downstream;
    private final SourceGate upstreamGate = new SourceGate();
    private final SourceGate downstreamGate = new SourceGate();
    private final AtomicInteger directionsEnded = new AtomicInteger();
    private final AtomicBoolean released = new AtomicBoolean();

    private volatile String id;
    private volatile boolean offeredOnce;
    private volatile Principal server;
    private volatile String serverAddress = "-";
    private volatile long lastMovedNanos = startNanos;
    private volatile ScheduledFuture<?> timer;
    /** The metrics' handle on this tunnel while it is open. */
    private volatile TunnelMeter meter;

    Tunnel(final TunnelRegistry registry, final PortKey target, final Principal client, final Exchange connect,
           final boolean connectDuplex, final long connectWaitNanos) {
        this.registry = registry;
        this.upstream = new Splice("upstream", this, registry.buffers());
        this.downstream = new Splice("downstream", this, registry.buffers());
        this.target = target;
        this.client = client;
        this.connect = connect;
        this.connectDuplex = connectDuplex;
        this.clientAddress = connect.request().getRemoteAddr();
        this.connectFlowControl = Headers.isOn(connect.request().getHeader(Headers.CREDIT));
        this.connectDeadlineNanos = startNanos + connectWaitNanos;
        connect.onFailure(this);
    }

    PortKey target() {
        return target;
    }

    Principal client() {
        return client;
    }

    Principal server() {
        return server;
    }

    String id() {
        return id;
    }

    State state() {
        return state.get();
    }

    boolean connectDeadlinePassed() {
        return System.nanoTime() - connectDeadlineNanos >= 0;
    }

    long connectDeadlineNanos() {
        return connectDeadlineNanos;
    }

    long idleNanos() {
        return System.nanoTime() - lastMovedNanos;
    }

    void trimBuffers() {
        upstream.trimIfGrown();
        downstream.trimIfGrown();
    }

    void replaceTimer(final ScheduledFuture<?> next) {
        final ScheduledFuture<?> previous = timer;
        timer = next;
        if (previous != null) {
            previous.cancel(false);
        }
    }

    /** WAITING to OFFERED under a fresh ID; false if the tunnel was closed meanwhile. */
    boolean offer(final String newId) {
        if (!state.compareAndSet(State.WAITING, State.OFFERED)) {
            return false;
        }
        id = newId;
        offeredOnce = true;
        return true;
    }

    /**
     * WAITING to CLOSED without a word: the connect goes to another transport (a mux server that now
     * listens on the port), which answers it; false if the tunnel was offered or closed meanwhile.
     */
    boolean handOver() {
        if (!state.compareAndSet(State.WAITING, State.CLOSED)) {
            return false;
        }
        replaceTimer(null);
        return true;
    }

    Exchange connect() {
        return connect;
    }

    boolean connectDuplex() {
        return connectDuplex;
    }

    boolean connectFlowControl() {
        return connectFlowControl;
    }

    /** OFFERED back to WAITING, when the offer went unanswered; the old ID dies with it. */
    boolean withdrawOffer() {
        return state.compareAndSet(State.OFFERED, State.WAITING);
    }

    boolean wasOffered() {
        return offeredOnce;
    }

    /** The server proxy accepted: commit both streamed responses and start splicing. */
    void open(final Principal acceptedBy, final TunnelRegistry.ExchangeStarter starter, final boolean acceptDuplex,
              final long streamWaitNanos) throws RelayException {
        if (!state.compareAndSet(State.OFFERED, State.OPEN)) {
            throw RelayException.conflict("connection id already accepted or closed");
        }
        replaceTimer(null);
        final Exchange accept = starter.start();
        server = acceptedBy;
        serverAddress = accept.request().getRemoteAddr();
        // The relay passes frames through untouched; it only tells both ends whether both do CREDIT.
        final boolean flowControl = connectFlowControl && Headers.isOn(accept.request().getHeader(Headers.CREDIT));
        registry.leftPending(this);
        accept.onFailure(this);

        CallHeaders.streamingHead(accept.response(), acceptDuplex, flowControl);
        accept.addRoles(acceptDuplex ? 2 : 1);
        // the connect is another thread's call, which its client may be dropping right now
        connect.prepareHead(head -> {
            CallHeaders.streamingHead(head, connectDuplex, flowControl);
            head.setHeader(Headers.CONNECTION_ID, id);
        });
        connect.addRoles(connectDuplex ? 2 : 1);

        upstream.attachSink(accept);
        downstream.attachSink(connect);
        if (acceptDuplex) {
            downstreamGate.admitStream();
            downstream.attachSource(accept);
        }
        if (connectDuplex) {
            upstreamGate.admitStream();
            upstream.attachSource(connect);
        }
        // A proxy that heard of an abort before it sent its upstream or downstream call never sends
        // it; without this deadline the tunnel would wait for it until the idle timeout.
        replaceTimer(registry.after(streamWaitNanos, () -> {
            if (!upstreamGate.used() || !downstreamGate.used()) {
                abort((upstreamGate.used() ? "downstream" : "upstream") + " call never came");
            }
        }));
        AUDIT.info(() -> "tunnel " + shortId() + " opened: client " + client.name() + " from " + clientAddress()
                + " to " + target + " served from " + serverAddress
                + (connectDuplex || acceptDuplex ? " (duplex:" + (connectDuplex ? " client" : "")
                + (acceptDuplex ? " server" : "") + ")" : ""));
        final TunnelMeter opened = registry.events().opened(client.name(), clientAddress, target.server(),
                target.port(), transport(), startNanos, this);
        meter = opened;
        if (state.get() == State.CLOSED) {
            // Ended on another thread while the metrics heard of it: closed() may have missed the meter.
            registry.events().closed(opened, "ended while opening");
        }
    }

    /** The client proxy's transport, for the metrics. */
    private String transport() {
        return connectDuplex ? "duplex" : "four-stream";
    }

    @Override
    public long upBytes() {
        return upstream.bytes();
    }

    @Override
    public long downBytes() {
        return downstream.bytes();
    }

    /** The client's upstream body; {@code segment} is null for a streaming body, else "more" or "last". */
    void attachUpstream(final TunnelRegistry.ExchangeStarter starter, final Segment segment) throws RelayException {
        attach(starter, upstreamGate, upstream, segment);
    }

    void attachDownstream(final TunnelRegistry.ExchangeStarter starter, final Segment segment) throws RelayException {
        attach(starter, downstreamGate, downstream, segment);
    }

    private void attach(final TunnelRegistry.ExchangeStarter starter, final SourceGate gate, final Splice splice,
                        final Segment segment) throws RelayException {
        final SourceGate.Admission admission = gate.admit(segment, splice.isDone());
        if (state.get() != State.OPEN) {
            throw RelayException.conflict("connection id is not open");
        }
        if (admission == SourceGate.Admission.REPEAT) {
            // Its first copy went through; the proxy missed our answer and sent it again.
            starter.start().discardBodyThenFinish(204);
            return;
        }
        final Exchange exchange = starter.start();
        exchange.onFailure(this);
        exchange.addRoles(1);
        if (segment == null) {
            splice.attachSource(exchange);
        } else {
            splice.attachSegment(exchange, segment.last());
        }
    }

    @Override
    public void segmentDone(final Splice splice) {
        (splice == upstream ? upstreamGate : downstreamGate).segmentDone();
    }

    /** Where each direction stands, for the log line of a tunnel ended for idleness. */
    String directionStates() {
        return "upstream " + upstream.state() + ", downstream " + downstream.state();
    }

    /** Ends a tunnel that never opened with a refusal of fixed reason. */
    void refuse(final Refusal refusal, final String auditReason) {
        refuse(refusal.status(), refusal.reason(), auditReason);
    }

    /** Ends a tunnel that never opened: the client's connect gets this answer. */
    void refuse(final int status, final String reason, final String auditReason) {
        while (true) {
            final State was = state.get();
            if (was == State.CLOSED) {
                return;
            }
            if (was == State.OPEN) {
                // Opened meanwhile: end it like any other.
                abort(auditReason);
                return;
            }
            if (state.compareAndSet(was, State.CLOSED)) {
                break;
            }
        }
        replaceTimer(null);
        registry.removed(this);
        connect.answer(status, reason, status == Refusal.NOT_ONLINE.status() ? 1 : 0, false);
        registry.events().refused(client.name(), clientAddress, target.server(), target.port(), transport(), status,
                auditReason);
        AUDIT.info(() -> "tunnel refused: client " + client.name() + " from " + clientAddress() + " to " + target
                + " after " + millis() + " ms: " + auditReason);
    }

    /** Ends the tunnel at once: every stream still open is cut, and its receiver aborts. */
    void abort(final String why) {
        while (true) {
            final State was = state.get();
            if (was == State.CLOSED) {
                return;
            }
            if (was != State.OPEN) {
                refuse(Refusal.TARGET_REFUSED.status(), why, why);
                return;
            }
            if (state.compareAndSet(State.OPEN, State.CLOSED)) {
                break;
            }
        }
        replaceTimer(null);
        upstream.abort(why);
        downstream.abort(why);
        closed(why);
    }

    private void closed(final String why) {
        registry.removed(this);
        registry.events().closed(meter, why);
        AUDIT.info(() -> "tunnel " + shortId() + " closed: client " + client.name() + " to " + target
                + ", up " + upstream.bytes() + " bytes, down " + downstream.bytes() + " bytes, "
                + millis() + " ms, " + why);
    }

    /** Counted once, whichever way the tunnel ends. */
    boolean releaseOnce() {
        return released.compareAndSet(false, true);
    }

    @Override
    public void spliceEnded(final Splice splice) {
        if (directionsEnded.incrementAndGet() == 2 && state.compareAndSet(State.OPEN, State.CLOSED)) {
            closed("both directions ended");
        }
    }

    @Override
    public void spliceFailed(final Splice splice, final String why) {
        abort(why);
    }

    @Override
    public void spliceMoved(final Splice splice) {
        lastMovedNanos = System.nanoTime();
    }

    @Override
    public void exchangeFailed(final Exchange exchange, final String why) {
        if (exchange == connect && state.get() != State.OPEN) {
            refuse(Refusal.TUNNEL_CLOSED.status(), "client went away", "client went away before the server accepted");
        } else {
            abort(why);
        }
    }

    String shortId() {
        final String current = id;
        return current == null ? "(none)" : Names.shortId(current);
    }

    String clientAddress() {
        return clientAddress;
    }

    private long millis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public String toString() {
        return "tunnel " + shortId() + " " + client.name() + "->" + target;
    }
}
