package org.ptth.proxy.tunnel;

import java.io.IOException;

import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.relayclient.RelayExchange;
import org.ptth.proxy.relayclient.StreamedResponse;

/**
 * One tunnel's opening call (connect or accept) in the form of its transport: both ends send it
 * and judge the answer the same way whatever the form, and the transport decides how the tunnel
 * then runs.
 */
public final class TunnelCall {

    private final ClassicTransport transport;
    private final ClassicTunnel tunnel;
    private final TunnelEndpoints endpoints;
    /** Made when sent, so that a failure to make it is reported like one to send it. */
    private RelayExchange opening;

    TunnelCall(final ClassicTransport transport, final ClassicTunnel tunnel, final TunnelEndpoints endpoints) {
        this.transport = transport;
        this.tunnel = tunnel;
        this.endpoints = endpoints;
    }

    /**
     * Sends the call. Returns the relay's 200, whose body is the incoming direction; or, after
     * {@code report} has had its say, {@linkplain #abandon abandons} the tunnel and returns null.
     */
    public StreamedResponse send(final OpeningReport report) {
        final StreamedResponse answer;
        try {
            opening = transport.opening(tunnel, endpoints);
            answer = opening.execute();
        } catch (final IOException | RuntimeException failed) {
            report.unanswered(failed);
            abandon(null);
            return null;
        }
        if (answer.status() != 200) {
            report.rejected(answer.errorLine());
            abandon(answer);
            return null;
        }
        return answer;
    }

    /**
     * The tunnel never opened: it ends without a closing line, the answer (if any) is cut, and the
     * local connection is reset so that its peer does not take this for a clean end.
     */
    public void abandon(final StreamedResponse answer) {
        tunnel.discard();
        if (answer != null) {
            answer.close();
        }
        TcpOptions.reset(tunnel.socket());
    }

    /**
     * Runs the tunnel on the relay's 200 from {@link #send}: starts the outgoing direction, then
     * pumps the incoming one on this thread until the tunnel ends.
     */
    public void run(final StreamedResponse accepted) {
        tunnel.flow().settle(accepted);
        transport.run(tunnel, endpoints, opening, accepted);
    }
}
