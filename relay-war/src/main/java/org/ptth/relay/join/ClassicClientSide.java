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

/**
 * A four-stream or duplex client's connect reaching a mux server: the connect waits for the
 * server's OPENED (or gets the refusal as its answer), then its response carries the server's bytes,
 * and the client's upstream call, or the connect's own body in duplex mode, carries the client's.
 * As with a classic server, the relay reads a duplex connect's body only once the tunnel is open.
 */
final class ClassicClientSide extends ClassicSide {
    private final Exchange connect;

    ClassicClientSide(final ClassicJoins joins, final MuxTunnel tunnel, final String id, final Exchange connect,
                      final boolean duplexConnect, final boolean flowControlOffered, final String clientAddress) {
        super(joins, tunnel, id);
        this.connect = connect;
        this.duplex = duplexConnect;
        this.principal = tunnel.client();
        if (flowControlOffered) {
            agreeFlowControl();
        }
        this.address = clientAddress;
        connect.onFailure(this);
    }

    @Override
    String missingCall() {
        return "upstream";
    }

    @Override
    String role() {
        return "client";
    }

    // ---- Side

    @Override
    public void open(final String port, final String label, final ByteBuffer firstBytes) {
        // a client's side opens nothing
    }

    @Override
    public void opened() {
        // another thread's call, which its client may be dropping right now: under the exchange's guard
        connect.prepareHead(head -> {
            CallHeaders.streamingHead(head, duplex, flowControl);
            head.setHeader(Headers.CONNECTION_ID, id);
        });
        connect.addRoles(duplex ? 2 : 1);
        if (duplex) {
            gate.admitStream();
            source.attach(connect, true);
        }
        streamsSinceNanos = System.nanoTime();
        sink.attach(connect);
        grantWindow(); // under the tunnel's lock, from its opened(): the grant goes to the mux server at once
    }

    @Override
    public void refused(final int status, final String reason) {
        connect.answer(status, reason, status == 404 ? 1 : 0, false);
        joins.forget(id, this);
    }

    // ---- the calls

    @Override
    public void upstream(final Principal client, final String server, final Segment segment,
                         final TunnelRegistry.ExchangeStarter starter) throws RelayException {
        if (!client.equals(tunnel.client()) || !server.equals(tunnel.target().server())) {
            throw unknownId();
        }
        if (duplex) {
            throw RelayException.conflict("connection id already used on this endpoint");
        }
        attachBody(segment, starter);
    }

    @Override
    public void accept(final Principal server, final boolean duplexAccept, final TunnelRegistry.ExchangeStarter starter)
            throws RelayException {
        throw unknownId(); // the server of this tunnel is a mux connection
    }

    @Override
    public void checkRefusable(final Principal server) throws RelayException {
        throw unknownId();
    }

    @Override
    public void refuse(final Principal server, final String reason) throws RelayException {
        throw unknownId();
    }

    @Override
    public void downstream(final Principal server, final Segment segment, final TunnelRegistry.ExchangeStarter starter)
            throws RelayException {
        throw unknownId();
    }
}
