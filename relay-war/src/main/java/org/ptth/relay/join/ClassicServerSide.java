package org.ptth.relay.join;

import org.ptth.protocol.Headers;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.mux.MuxTunnel;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.registry.CallHeaders;
import org.ptth.relay.registry.Segment;
import org.ptth.relay.registry.TunnelRegistry;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mux client's tunnel reaching a four-stream or duplex server proxy: a listen poll was answered
 * with this side's connection ID; the proxy's accept (its response carries the client's bytes)
 * opens the tunnel, and its downstream call, or the accept's own body in duplex mode, carries the
 * server's bytes. The client's first bytes wait here until the accept.
 */
final class ClassicServerSide extends ClassicSide {
    private final AtomicBoolean accepted = new AtomicBoolean();

    ClassicServerSide(final ClassicJoins joins, final MuxTunnel tunnel, final String id, final String pollAddress) {
        super(joins, tunnel, id);
        this.address = pollAddress;
    }

    @Override
    String missingCall() {
        return "downstream";
    }

    @Override
    String role() {
        return "server";
    }

    // ---- Side

    @Override
    public void open(final String port, final String label, final ByteBuffer firstBytes) {
        if (firstBytes.hasRemaining()) {
            sink.data(firstBytes); // queued until the accept attaches the response
        }
    }

    @Override
    public void opened() {
        // a server's side hears no OPENED
    }

    @Override
    public void refused(final int status, final String reason) {
        // a server's side hears no REFUSE
    }

    @Override
    public ByteBuffer withdraw() {
        if (accepted.get()) {
            return null;
        }
        final ByteBuffer first = sink.takeBack();
        joins.forget(id, this);
        return first;
    }

    // ---- the calls

    private void checkServer(final Principal server) throws RelayException {
        if (!server.name().equals(tunnel.target().server())) {
            throw unknownId();
        }
    }

    @Override
    public void accept(final Principal server, final boolean duplexAccept, final TunnelRegistry.ExchangeStarter starter)
            throws RelayException {
        checkServer(server);
        if (tunnel.state() != MuxTunnel.State.OFFERED || !accepted.compareAndSet(false, true)) {
            throw RelayException.conflict("connection id already accepted or closed");
        }
        duplex = duplexAccept;
        principal = server;
        final Exchange accept = starter.start();
        address = accept.request().getRemoteAddr();
        if (Headers.isOn(accept.request().getHeader(Headers.CREDIT))) {
            agreeFlowControl();
        }
        accept.onFailure(this);
        CallHeaders.streamingHead(accept.response(), duplexAccept, flowControl);
        accept.addRoles(duplexAccept ? 2 : 1);
        if (duplexAccept) {
            gate.admitStream();
            source.attach(accept, true);
        }
        streamsSinceNanos = System.nanoTime();
        sink.attach(accept);
        tunnel.opened(this);
        grantWindow();
    }

    @Override
    public void checkRefusable(final Principal server) throws RelayException {
        checkServer(server);
        if (accepted.get() || tunnel.state() != MuxTunnel.State.OFFERED) {
            throw RelayException.conflict("connection id already accepted or closed");
        }
    }

    @Override
    public void refuse(final Principal server, final String reason) throws RelayException {
        checkRefusable(server);
        tunnel.refused(this, reason);
    }

    @Override
    public void downstream(final Principal server, final Segment segment, final TunnelRegistry.ExchangeStarter starter)
            throws RelayException {
        checkServer(server);
        if (duplex) {
            throw RelayException.conflict("connection id already used on this endpoint");
        }
        attachBody(segment, starter);
    }

    @Override
    public void upstream(final Principal client, final String server, final Segment segment,
                         final TunnelRegistry.ExchangeStarter starter) throws RelayException {
        throw unknownId(); // the client of this tunnel is a mux connection
    }
}
