package org.ptth.relay.mux;

import java.nio.ByteBuffer;

import org.ptth.relay.auth.Principal;

/**
 * One proxy's half of a relay tunnel, as the tunnel reaches it: a numbered tunnel on a mux
 * connection, or (joined with the other transports) the HTTP calls of a four-stream or duplex
 * proxy. The tunnel calls these under its own lock, each at most once per event and in order;
 * none of them calls back into the tunnel.
 */
public interface Side {
    /** For the audit log: "mux", "four-stream" or "duplex". */
    String transport();

    /** The proxy's address, for the audit log. */
    String address();

    /** Who the proxy is, once known (a reload ends the tunnels of a key that is gone); null before. */
    Principal principal();

    /** A server side: offer the tunnel to its proxy, with the first bytes the client sent. */
    void open(String port, String label, ByteBuffer firstBytes);

    /** A client side: the server proxy reached its target. */
    void opened();

    /** A client side: the tunnel will not open (status of the protocol's table, and why). */
    void refused(int status, String reason);

    /** Bytes of the other proxy's TCP stream; the buffer is valid only during the call. */
    void data(ByteBuffer bytes);

    /** The other proxy's TCP peer half-closed. */
    void end();

    /** The tunnel is dead. */
    void abort(String reason);

    /** This side's proxy may send {@code increment} more bytes. */
    void credit(int increment);

    /**
     * Whether data towards this side is backing up in the relay, so that credit for it is better
     * held back. When it is, the tunnel hears {@link MuxTunnel#roomAvailable} once it no longer is.
     */
    boolean congested();

    /** The tunnel is over: forget it. */
    void detach();

    /**
     * A server side whose proxy did not answer the offer in time, taken back so that the tunnel can
     * be offered elsewhere: returns the first bytes it was given (null when it cannot be taken back,
     * as a mux connection's OPEN cannot: that ends in ABORT and REFUSE 502).
     */
    default java.nio.ByteBuffer withdraw() {
        return null;
    }
}
