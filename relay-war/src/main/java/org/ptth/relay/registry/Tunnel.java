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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One tunnelled TCP connection at the relay, its whole life: the client's connect waits on its port
 * for a listen poll, is offered to that poll's server proxy under a connection ID, opens on the
 * accept into two splices, upstream (client to server) and downstream (server to client), and ends.
 * Each change of state is a compare-and-set here, so that the timers, the calls and the splices that
 * race on a tunnel agree on which of them made it; its timer and its place in the port's queue, the
 * index and the limits go with the state.
 *
 * <pre>
 * WAITING --a poll takes it (offer)--> OFFERED --accept (open)--> OPEN --both directions ended--> CLOSED
 *    ^                                   |                          \--a stream failed, abort-------> CLOSED
 *    \--- no accept in time (withdraw) --/
 * WAITING, OFFERED --refuse, connect.wait over (expire), client gone--------------------------------> CLOSED
 * WAITING --a mux server now listens on the port (handOver), which answers the connect-------------> CLOSED
 * </pre>
 */
final class Tunnel implements Splice.Events, Exchange.Failure, ByteCounts {
    private static final AuditLog AUDIT = new AuditLog(Tunnel.class);

    enum State { WAITING, OFFERED, OPEN, CLOSED }

    private final TunnelContext shared;
    private final PortKey target;
    private final Principal client;
    private final Exchange connect;
    private final boolean connectDuplex;
    private final boolean connectFlowControl;
    private final String clientAddress;
    private final Admission admission;
    private final long startNanos = System.nanoTime();
    private final long connectDeadlineNanos;
    private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    private final Splice upstream;
    private final Splice downstream;
    private final SourceGate upstreamGate = new SourceGate();
    private final SourceGate downstreamGate = new SourceGate();
    private final AtomicInteger directionsEnded = new AtomicInteger();

    private volatile String id;
    private volatile boolean offeredOnce;
    private volatile Principal server;
    private volatile String serverAddress = "-";
    private volatile long lastMovedNanos = startNanos;
    private volatile ScheduledFuture<?> timer;
    /** The metrics' handle on this tunnel while it is open. */
    private volatile TunnelMeter meter;

    Tunnel(final TunnelContext shared, final PortKey target, final Principal client, final Exchange connect,
           final boolean connectDuplex, final Admission admission) {
        this.shared = shared;
        this.upstream = new Splice("upstream", this, shared.buffers());
        this.downstream = new Splice("downstream", this, shared.buffers());
        this.target = target;
        this.client = client;
        this.connect = connect;
        this.connectDuplex = connectDuplex;
        this.admission = admission;
        this.clientAddress = connect.request().getRemoteAddr();
        this.connectFlowControl = Headers.isOn(connect.request().getHeader(Headers.CREDIT));
        this.connectDeadlineNanos = startNanos + shared.config().get().timeouts().connectWait().toNanos();
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

    long idleNanos() {
        return System.nanoTime() - lastMovedNanos;
    }

    void trimBuffers() {
        upstream.trimIfGrown();
        downstream.trimIfGrown();
    }

    /** The tunnel's one pending deadline, due in {@code nanos}: replaces the one before. */
    private void arm(final long nanos, final Runnable task) {
        replaceTimer(shared.timers().after(nanos, task));
    }

    private void replaceTimer(final ScheduledFuture<?> next) {
        final ScheduledFuture<?> previous = timer;
        timer = next;
        if (previous != null) {
            previous.cancel(false);
        }
    }

    // ---- WAITING and OFFERED

    /**
     * The connect is in the index: it waits on its port for a poll, or, to a target its client may
     * not reach, just for connect.wait, to be answered like an offline one.
     */
    void start(final boolean allowed) {
        connect.onFailure(this);
        if (state.get() != State.WAITING) {
            return; // its client went away as it listened
        }
        if (!shared.config().get().stillValid(client)) {
            // A reload came between this call's authentication and now, and missed this tunnel.
            refuse(Refusal.UNKNOWN_KEY, "configuration changed: key removed");
            return;
        }
        if (!allowed) {
            arm(connectDeadlineNanos - System.nanoTime(),
                    () -> refuse(Refusal.NOT_ONLINE, "target not allowed for this client"));
            return;
        }
        arm(connectDeadlineNanos - System.nanoTime(), this::expire);
        seekPoll(false);
    }

    /** Queued on its port, first in line when {@code front}, or offered at once to a poll parked there. */
    private void seekPoll(final boolean front) {
        final Exchange poll = shared.ports().queueOrTake(this, front);
        if (poll == null) {
            if (state.get() == State.CLOSED) {
                shared.ports().unqueue(this); // ended as it queued, after its end looked in the queue
            }
        } else if (!offer(poll)) {
            shared.ports().meet(target, poll); // ended meanwhile: the poll waits for the next connect
        }
    }

    /**
     * WAITING to OFFERED: the poll tells its server proxy of this tunnel under a fresh ID, and the
     * proxy has accept.timeout to accept. False, the poll untouched, when the tunnel no longer waits.
     */
    boolean offer(final Exchange poll) {
        final String newId = ConnectionIds.next();
        // In the index before the tunnel carries the ID: an end from here on takes it out again.
        shared.index().named(newId, this);
        id = newId;
        if (!state.compareAndSet(State.WAITING, State.OFFERED)) {
            shared.index().unnamed(newId, this);
            return false;
        }
        offeredOnce = true;
        arm(shared.config().get().timeouts().accept().toNanos(), () -> withdraw(newId));
        if (!poll.answerText(Headers.CONNECTION_ID, newId, newId + "\n")) {
            withdraw(newId); // a poll whose server proxy is gone: the next one at once
        }
        return true;
    }

    /**
     * OFFERED back to WAITING when the offer went unanswered, its server proxy maybe gone: the ID
     * dies, and the tunnel is first in line for the next poll while connect.wait lasts.
     */
    private void withdraw(final String offeredId) {
        if (!offeredId.equals(id) || !state.compareAndSet(State.OFFERED, State.WAITING)) {
            return;
        }
        shared.index().unnamed(offeredId, this);
        if (System.nanoTime() - connectDeadlineNanos >= 0) {
            refuse(Refusal.NO_ACCEPT_IN_TIME, "no accept in time");
            return;
        }
        arm(connectDeadlineNanos - System.nanoTime(), this::expire);
        seekPoll(true);
    }

    /** connect.wait is over for a tunnel still in its port's queue. */
    private void expire() {
        if (state.get() != State.WAITING || !shared.ports().unqueue(this)) {
            return; // a poll took it meanwhile
        }
        if (offeredOnce) {
            refuse(Refusal.NO_ACCEPT_IN_TIME, "no accept in time");
        } else {
            refuse(Refusal.NOT_ONLINE, "no listener within the connect wait");
        }
    }

    /**
     * WAITING to CLOSED without a word, the connect taken out of its port's queue: it goes to another
     * transport (a mux server that now listens on the port), which answers it; null if it no longer
     * waits.
     */
    TunnelRegistry.Handover handOver() {
        if (!state.compareAndSet(State.WAITING, State.CLOSED)) {
            return null;
        }
        leave();
        return new TunnelRegistry.Handover(client, clientAddress, connect, connectDuplex, connectFlowControl,
                connectDeadlineNanos);
    }

    /** Fails early, before the reason is read, when the server cannot refuse this tunnel (any more). */
    void checkRefusable() throws RelayException {
        if (state.get() != State.OFFERED) {
            throw RelayException.conflict("connection id already accepted or closed");
        }
    }

    // ---- OPEN

    /** OFFERED to OPEN, the server proxy's accept: commit both streamed responses and start splicing. */
    void open(final Principal acceptedBy, final TunnelRegistry.ExchangeStarter starter, final boolean acceptDuplex)
            throws RelayException {
        if (!state.compareAndSet(State.OFFERED, State.OPEN)) {
            throw RelayException.conflict("connection id already accepted or closed");
        }
        replaceTimer(null);
        final Exchange accept = starter.start();
        server = acceptedBy;
        serverAddress = accept.request().getRemoteAddr();
        // The relay passes frames through untouched; it only tells both ends whether both do CREDIT.
        final boolean flowControl = connectFlowControl && Headers.isOn(accept.request().getHeader(Headers.CREDIT));
        admission.leavePending();
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
        // it; without this deadline the tunnel would wait for it until the idle timeout. Both streams
        // come right after the accept; three accept timeouts is plenty of margin.
        arm(3 * shared.config().get().timeouts().accept().toNanos(), () -> {
            if (!upstreamGate.used() || !downstreamGate.used()) {
                abort((upstreamGate.used() ? "downstream" : "upstream") + " call never came");
            }
        });
        AUDIT.line("opened", () -> "tunnel " + shortId() + " opened: client " + client.name() + " from " + clientAddress
                + " to " + target + " served from " + serverAddress
                + (connectDuplex || acceptDuplex ? " (duplex:" + (connectDuplex ? " client" : "")
                + (acceptDuplex ? " server" : "") + ")" : ""));
        final TunnelMeter opened = shared.events().get().opened(client.name(), clientAddress, target.server(),
                target.port(), transport(), startNanos, this);
        meter = opened;
        if (state.get() == State.CLOSED) {
            // Ended on another thread while the metrics heard of it: closed() may have missed the meter.
            shared.events().get().closed(opened, "ended while opening");
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
        final SourceGate.Admission admitted = gate.admit(segment, splice.isDone());
        if (state.get() != State.OPEN) {
            throw RelayException.conflict("connection id is not open");
        }
        if (admitted == SourceGate.Admission.REPEAT) {
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

    @Override
    public void spliceMoved(final Splice splice) {
        lastMovedNanos = System.nanoTime();
    }

    // ---- to CLOSED

    @Override
    public void spliceEnded(final Splice splice) {
        if (directionsEnded.incrementAndGet() == 2 && state.compareAndSet(State.OPEN, State.CLOSED)) {
            leave();
            closed("both directions ended");
        }
    }

    @Override
    public void spliceFailed(final Splice splice, final String why) {
        abort(why);
    }

    @Override
    public void exchangeFailed(final Exchange exchange, final String why) {
        if (exchange == connect && state.get() != State.OPEN) {
            end(Refusal.TUNNEL_CLOSED.status(), "client went away", "client went away before the server accepted");
        } else {
            abort(why);
        }
    }

    /** Ends a tunnel that has not opened with a refusal of fixed reason (an open one is cut). */
    void refuse(final Refusal refusal, final String auditReason) {
        end(refusal.status(), refusal.reason(), auditReason);
    }

    /** The server proxy could not reach the target: the connect hears its reason. */
    void refusedByServer(final String reason) {
        final String why = Refusal.TARGET_REFUSED.reason(reason);
        end(Refusal.TARGET_REFUSED.status(), why, why);
    }

    /** Ends the tunnel at once: every stream still open is cut, and its receiver aborts; a connect not yet open hears why. */
    void abort(final String why) {
        end(Refusal.TARGET_REFUSED.status(), why, why);
    }

    /**
     * To CLOSED from whatever state the tunnel is in, once: an open tunnel cuts both directions; one
     * not yet open answers its connect with {@code status} and {@code reason}. {@code why} goes to
     * the audit log and the metrics.
     */
    private void end(final int status, final String reason, final String why) {
        final State was = state.getAndSet(State.CLOSED);
        if (was == State.CLOSED) {
            return;
        }
        leave();
        if (was == State.OPEN) {
            upstream.abort(why);
            downstream.abort(why);
            closed(why);
            return;
        }
        connect.answer(status, reason, status == Refusal.NOT_ONLINE.status() ? 1 : 0, false);
        shared.events().get().refused(client.name(), clientAddress, target.server(), target.port(), transport(),
                status, why);
        AUDIT.line("refused", () -> "tunnel refused: client " + client.name() + " from " + clientAddress + " to " + target
                + " after " + millis() + " ms: " + why);
    }

    /** What every way to CLOSED does first: no timer, out of the port's queue and the index, the slots given back. */
    private void leave() {
        replaceTimer(null);
        shared.ports().unqueue(this);
        shared.index().remove(this);
        admission.release();
    }

    private void closed(final String why) {
        shared.events().get().closed(meter, why);
        AUDIT.line("closed", () -> "tunnel " + shortId() + " closed: client " + client.name() + " to " + target
                + ", up " + upstream.bytes() + " bytes, down " + downstream.bytes() + " bytes, "
                + millis() + " ms, " + why);
    }

    String shortId() {
        final String current = id;
        return current == null ? "(none)" : Names.shortId(current);
    }

    private long millis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public String toString() {
        return "tunnel " + shortId() + " " + client.name() + "->" + target;
    }
}
