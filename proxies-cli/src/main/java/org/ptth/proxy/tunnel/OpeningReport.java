package org.ptth.proxy.tunnel;

/**
 * What one end says and counts when its tunnel's opening call does not open it: the only part of
 * opening that differs between the client and the server (see {@link TunnelCall#send}).
 */
public interface OpeningReport {

    /**
     * The call failed on its way or got no answer. It may be the local peer that went first
     * ({@link ClassicTunnel#endedByLocalPeer()}), as the tunnel's closing line then says.
     */
    void unanswered(Exception failure);

    /** The relay answered, but not with 200; {@code error} is its one-line form. */
    void rejected(String error);
}
