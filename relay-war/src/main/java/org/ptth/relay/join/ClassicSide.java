package org.ptth.relay.join;

import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.pth1.FrameFormat;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.mux.MuxTunnel;
import org.ptth.relay.mux.Side;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.registry.CallHeaders;
import org.ptth.relay.registry.Joins;
import org.ptth.relay.registry.Segment;
import org.ptth.relay.registry.SourceGate;
import org.ptth.relay.registry.TunnelRegistry;

import java.nio.ByteBuffer;

/**
 * A joined tunnel's half whose proxy uses the classic calls: the streamed response that carries
 * the direction towards that proxy ({@link FrameSink}), and the request body or bodies that carry
 * the other ({@link FrameSource}), both in PTH1. The relay plays the mux peer for that proxy: it
 * grants credit in its name as it writes to it, and reads from it only within the credit the mux
 * side granted.
 */
abstract class ClassicSide implements Side, Joins.Calls, Exchange.Failure, FrameSink.Owner, FrameSource.Owner {
    protected final ClassicJoins joins;
    protected final MuxTunnel tunnel;
    protected final String id;
    protected final FrameSink sink = new FrameSink(this);
    protected final FrameSource source = new FrameSource(this);
    protected final SourceGate gate = new SourceGate();
    protected volatile boolean duplex;
    protected volatile String address = "-";
    protected volatile Principal principal;
    /** When the streams began (accept, or the connect's 200), for the wait for the other call; 0 before. */
    protected volatile long streamsSinceNanos;
    /** PTH1 flow control agreed with this proxy: it grants its own credit, and gets the mux side's. */
    protected volatile boolean flowControl;
    /**
     * Credit the mux side granted that this proxy had already (its PTH1 window is larger than the
     * mux initial window): not passed on, so that what it may send is what the relay reads.
     */
    private long headStart = FrameFormat.CREDIT_WINDOW - Frames.INITIAL_WINDOW;
    private volatile boolean detached;
    private volatile long detachedNanos;

    ClassicSide(final ClassicJoins joins, final MuxTunnel tunnel, final String id) {
        this.joins = joins;
        this.tunnel = tunnel;
        this.id = id;
    }

    String id() {
        return id;
    }

    // ---- Side: what the tunnel sends this proxy

    @Override
    public String transport() {
        return duplex ? "duplex" : "four-stream";
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public Principal principal() {
        return principal;
    }

    @Override
    public void data(final ByteBuffer bytes) {
        sink.data(bytes);
    }

    @Override
    public void end() {
        sink.end();
    }

    @Override
    public void abort(final String reason) {
        sink.abort(reason);
        source.stop(reason);
    }

    @Override
    public void credit(final int increment) {
        source.allow(increment);
        if (flowControl) {
            final long absorbed = Math.min(headStart, increment);
            headStart -= absorbed;
            if (increment - absorbed > 0) {
                sink.credit((int) (increment - absorbed));
            }
        }
    }

    @Override
    public boolean congested() {
        return false; // the relay grants this proxy's credit only as it writes to it
    }

    @Override
    public void detach() {
        detached = true;
        detachedNanos = System.nanoTime();
        if (flowControl) {
            sink.finish(); // END left the body open; the tunnel's end ends it (after an ABORT: nothing more)
        }
        if ((!source.everAttached() || source.isDone()) && (!sink.attached() || sink.isDone())) {
            joins.forget(id, this);
        }
    }

    /** The relay's periodic look: heartbeats on a quiet response, and the ends of a proxy that went silent. */
    void tick(final long now, final long heartbeatNanos, final long idleNanos, final long streamWaitNanos) {
        if (detached) {
            // A clean end leaves a duplex body to its proxy to finish; one that never does is let go.
            if (source.isDone() && (!sink.attached() || sink.isDone())) {
                joins.forget(id, this);
            } else if (now - detachedNanos > idleNanos) {
                source.stop("tunnel closed");
                joins.forget(id, this);
            }
            return;
        }
        sink.heartbeatIfQuiet(now, heartbeatNanos);
        final long since = streamsSinceNanos;
        if (since == 0) {
            return;
        }
        if (!source.everAttached() && now - since > streamWaitNanos) {
            tunnel.lost(this, missingCall() + " call never came");
        } else if (source.everAttached() && now - source.lastReadNanos() > idleNanos) {
            tunnel.lost(this, "nothing received from the " + role() + " proxy for "
                    + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s");
        }
    }

    /** "upstream" or "downstream": the call that carries this proxy's direction in four-stream mode. */
    abstract String missingCall();

    /** "client" or "server", for reasons. */
    abstract String role();

    // ---- what the sink and the source report

    @Override
    public void written(final int dataBytes) {
        // up to the window's maximum: after a "without limit" grant the window is already full, and
        // bytes that were queued here before it would be granted a second time
        tunnel.creditUpTo(this, dataBytes);
    }

    @Override
    public void sinkFailed(final String why) {
        tunnel.lost(this, why);
    }

    @Override
    public void received(final ByteBuffer part) {
        tunnel.data(this, part);
    }

    @Override
    public void receivedEnd() {
        tunnel.end(this);
    }

    @Override
    public void receivedAbort(final String reason) {
        tunnel.aborted(this, reason);
    }

    @Override
    public void receivedCredit(final int increment) {
        if (increment == Integer.MAX_VALUE) {
            // "send without limit" (a four-stream upload that ends at END can grant nothing later):
            // the mux side may have at most 2^30 outstanding, so the relay goes on granting as it writes
            sink.grantAsWritten();
        }
        tunnel.creditUpTo(this, increment);
    }

    /**
     * Agrees on PTH1 flow control with this proxy (it offered it): its bodies carry CREDIT, and its
     * window is {@link FrameFormat#CREDIT_WINDOW}, not the mux initial window: the difference is
     * granted to the mux sender at once.
     */
    protected void agreeFlowControl() {
        flowControl = true;
        sink.flowControl();
        source.flowControl();
    }

    /** The head start of a proxy with flow control, granted to the mux sender once the tunnel is open. */
    protected void grantWindow() {
        if (flowControl) {
            tunnel.credit(this, FrameFormat.CREDIT_WINDOW - Frames.INITIAL_WINDOW);
        }
    }

    @Override
    public void sourceFailed(final String why) {
        tunnel.lost(this, why);
    }

    @Override
    public void segmentDone() {
        gate.segmentDone();
    }

    @Override
    public void exchangeFailed(final Exchange exchange, final String why) {
        tunnel.lost(this, why);
    }

    // ---- the calls

    /** A body for this proxy's direction (a streaming one, or one segment), as the registry takes one for its own tunnels. */
    protected void attachBody(final Segment segment, final TunnelRegistry.ExchangeStarter starter) throws RelayException {
        final SourceGate.Admission admission = gate.admit(segment, false);
        if (tunnel.state() != MuxTunnel.State.OPEN) {
            throw RelayException.conflict("connection id is not open");
        }
        if (admission == SourceGate.Admission.REPEAT) {
            starter.start().discardBodyThenFinish(204);
            return;
        }
        final Exchange body = starter.start();
        body.onFailure(this);
        body.addRoles(1);
        source.attach(body, segment == null || segment.last());
    }

    protected static RelayException unknownId() {
        return RelayException.conflict("unknown connection id");
    }
}
