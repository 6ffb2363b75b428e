package org.ptth.proxy.mux;

import org.ptth.protocol.mux.Frames;

/**
 * The receiving side of one direction of a tunnel: how much credit the sender still has, what this
 * proxy holds for its TCP socket, and when to grant more. Credit is granted as the socket takes
 * bytes, never as they arrive, so the bytes held here never exceed the window.
 *
 * <p>Grants are gathered: one CREDIT once a quarter of the window has drained (or, for a quiet
 * tunnel, whatever has drained when {@link #flush} is called). The window starts at the protocol's
 * initial 64 KiB and doubles, up to {@link #MAX_WINDOW}, when a quarter drained within two round
 * trips of the connection while the socket kept up: the sender is then limited by the window, not
 * by the reader, and one bulk stream must not be capped by it (the same rule as go-yamux's and
 * QUIC stacks' window auto-tuning). Not thread-safe: its tunnel guards it.
 *
 * <p>Invariant: {@code outstanding + held + drained == window}.
 */
final class ReceiveWindow {

    /** The largest window a tunnel grows to. */
    static final int MAX_WINDOW = 16 * 1024 * 1024;
    /** Round trips shorter than this count as this: a loopback RTT would make every stream look fast. */
    static final long MIN_RTT_NANOS = 1_000_000;

    private int window = Frames.INITIAL_WINDOW;
    /** Credit the sender has left, as far as this side knows: granted minus received. */
    private long outstanding = Frames.INITIAL_WINDOW;
    /** Received and not yet taken by the socket. */
    private long held;
    /** Taken by the socket and not yet granted again. */
    private long drained;
    private long lastGrantNanos;

    ReceiveWindow(final long nowNanos) {
        this.lastGrantNanos = nowNanos;
    }

    /**
     * DATA of {@code bytes} arrived.
     *
     * @return false when it goes past the sender's credit: the sender broke the protocol
     */
    boolean received(final int bytes) {
        if (bytes > outstanding) {
            return false;
        }
        outstanding -= bytes;
        held += bytes;
        return true;
    }

    /**
     * The socket took {@code bytes} of what was held.
     *
     * @param rttNanos the connection's latest round trip time (0 when not known yet)
     * @return the CREDIT increment to send now, or 0 to wait for more
     */
    int taken(final int bytes, final long nowNanos, final long rttNanos) {
        held -= bytes;
        drained += bytes;
        if (drained >= window / 4) {
            return grant(nowNanos, rttNanos);
        }
        return 0;
    }

    /** Whatever has drained and not been granted yet (for a tunnel gone quiet), or 0. */
    int flush(final long nowNanos) {
        if (drained == 0) {
            return 0;
        }
        final int increment = (int) drained;
        drained = 0;
        outstanding += increment;
        lastGrantNanos = nowNanos;
        return increment;
    }

    private int grant(final long nowNanos, final long rttNanos) {
        final long quick = 2 * Math.max(rttNanos, MIN_RTT_NANOS);
        long growth = 0;
        if (window < MAX_WINDOW && nowNanos - lastGrantNanos < quick && held <= window / 4) {
            growth = Math.min(window, MAX_WINDOW - window);
            window += (int) growth;
        }
        final long increment = drained + growth;
        drained = 0;
        outstanding += increment;
        lastGrantNanos = nowNanos;
        return (int) increment;
    }

    int window() {
        return window;
    }

    long held() {
        return held;
    }

    long outstanding() {
        return outstanding;
    }
}
