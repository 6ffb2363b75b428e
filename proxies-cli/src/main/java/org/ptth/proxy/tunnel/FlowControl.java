package org.ptth.proxy.tunnel;

import org.ptth.protocol.Headers;
import org.ptth.proxy.relayclient.StreamedResponse;

/**
 * End-to-end flow control of one tunnel (docs/protocol.md, "Flow control"), when both proxies
 * agreed on it: each direction's sender sends no more DATA payload than its receiver granted, and a
 * receiver grants more as its TCP socket takes the bytes, not as they arrive. So a TCP peer that
 * stops reading holds at most one window in its proxy, and the proxy reads the relay's response on
 * all along: the relay never has a write waiting long enough for the container's write timeout.
 *
 * <p>Both directions start with {@link #WINDOW} of credit. A proxy starts in flow-control mode and
 * drops it ({@link #disable()}) when the relay's answer shows that the peer (or the relay) does not
 * know it; it then sends without limit and grants nothing, as before.
 */
public final class FlowControl {

    /** The credit each direction starts with, and the most a receiver holds for its TCP peer. */
    public static final int WINDOW = 1024 * 1024;
    /** A receiver grants once this much has drained, so that CREDIT frames stay few. */
    static final int GRANT_STEP = WINDOW / 4;

    private boolean enabled = true;
    /** This receiver let the peer send without limit (after its own END on a four-stream upload). */
    private boolean released;
    private long sendCredit = WINDOW;
    private long drainedUngranted;
    private long received;
    private long drained;

    /** Flow control holds when the relay's 200 confirms that both terminators offered it. */
    void settle(final StreamedResponse answer) {
        if (!Headers.isOn(answer.header(Headers.CREDIT))) {
            disable();
        }
    }

    /** The peer or the relay does not do flow control: send without limit, grant nothing. */
    public synchronized void disable() {
        enabled = false;
        notifyAll();
    }

    public synchronized boolean enabled() {
        return enabled;
    }

    /**
     * Waits up to {@code millis} for credit to send with; returns how many bytes may be sent now, or
     * 0 when none came in time (the caller sends a HEARTBEAT instead).
     */
    synchronized int awaitCredit(final long millis) throws InterruptedException {
        final long deadline = System.nanoTime() + millis * 1_000_000;
        while (enabled && sendCredit <= 0) {
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                return 0;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return enabled ? (int) Math.min(Integer.MAX_VALUE, sendCredit) : Integer.MAX_VALUE;
    }

    /** The peer may send without limit from now on: this side granted it all it could. */
    synchronized void releasePeer() {
        released = true;
    }

    /** DATA payload sent. */
    synchronized void spent(final int bytes) {
        sendCredit -= bytes;
    }

    /** The peer granted more (a CREDIT frame). */
    synchronized void granted(final int bytes) {
        sendCredit += bytes;
        notifyAll();
    }

    /**
     * DATA payload arrived for the TCP socket.
     *
     * @return false when the peer sent past what it was granted: a broken peer
     */
    synchronized boolean arrived(final int bytes) {
        received += bytes;
        return !enabled || released || received - drained <= WINDOW;
    }

    /**
     * The TCP socket took {@code bytes}; returns the credit to grant now (0: not yet, gathered until
     * a quarter of the window has drained).
     */
    synchronized int drained(final int bytes) {
        drained += bytes;
        if (!enabled || released) {
            return 0;
        }
        drainedUngranted += bytes;
        if (drainedUngranted < GRANT_STEP) {
            return 0;
        }
        final int grant = (int) drainedUngranted;
        drainedUngranted = 0;
        return grant;
    }
}
