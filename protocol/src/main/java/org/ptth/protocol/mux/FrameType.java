package org.ptth.protocol.mux;

/**
 * The frames of the multiplexed transport (docs/protocol.md, "Multiplexed transport"). Each type is
 * one ASCII letter on the wire, so that a hex dump of a connection reads like the old PTH1 framing.
 */
public enum FrameType {
    /** Opens a tunnel: port name, a label, then the first bytes of the TCP stream. */
    OPEN('O', false),
    /** The acceptor connected its TCP target: the tunnel is open. */
    OPENED('K', false),
    /** The tunnel could not be opened: a status (as in the HTTP status table) and a reason. */
    REFUSE('R', false),
    /** Bytes of the TCP stream; counted against the receiver's credit. */
    DATA('D', false),
    /** The sender's TCP peer shut down its sending side (half-close); no DATA follows in that direction. */
    END('E', false),
    /** The tunnel is dead, with an optional reason; both TCP ends are reset. */
    ABORT('A', false),
    /** The receiver of a direction takes this many more DATA bytes. */
    CREDIT('C', false),
    /** Connection heartbeat: eight opaque bytes, answered with PONG. */
    PING('P', true),
    /** The answer to a PING, with its eight bytes. */
    PONG('Q', true),
    /** The server proxy's complete set of port names, replacing the previous one. */
    LISTEN('L', true),
    /** No new tunnel on this connection; those open go on. */
    GOAWAY('G', true);

    private static final FrameType[] BY_CODE = new FrameType[128];

    static {
        for (final FrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final byte code;
    private final boolean connectionLevel;

    FrameType(final char code, final boolean connectionLevel) {
        this.code = (byte) code;
        this.connectionLevel = connectionLevel;
    }

    /** The byte that stands for this type on the wire. */
    public byte code() {
        return code;
    }

    /** True for the frames about the connection itself, which carry tunnel number 0. */
    public boolean connectionLevel() {
        return connectionLevel;
    }

    /** The type of a wire byte, or null when no type has that byte. */
    public static FrameType of(final byte code) {
        return code >= 0 ? BY_CODE[code] : null;
    }
}
