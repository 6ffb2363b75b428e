package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Writes the incoming direction to the TCP socket on a thread of its own, when the tunnel has flow
 * control: the inbound pump goes on reading the relay's response while the TCP peer takes its time,
 * so the relay's writes never wait on a paused reader, and credit is granted as the socket takes
 * the bytes. What it holds is bounded by the window the peer may not exceed.
 */
final class InboundWriter implements Runnable {

    private static final byte[] END = new byte[0];
    private static final byte[] STOP = new byte[0];

    private final ClassicTunnel tunnel;
    private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private long queued;

    InboundWriter(final ClassicTunnel tunnel) {
        this.tunnel = tunnel;
        tunnel.outcome().whenComplete((outcome, failure) -> queue.offer(STOP));
    }

    /**
     * Bytes for the socket; false when the peer sent past its credit. Credit keeps what waits here
     * within the window; once the peer was let go (after a four-stream END) this waits instead,
     * holding the relay's response back, so that memory stays bounded either way.
     */
    boolean data(final byte[] bytes) throws InterruptedException {
        if (!tunnel.flow().arrived(bytes.length)) {
            return false;
        }
        synchronized (this) {
            while (queued > FlowControl.WINDOW && !tunnel.isOver()) {
                wait(100);
            }
            queued += bytes.length;
        }
        queue.add(bytes);
        return true;
    }

    /** The peer's END: the socket's output is shut once the bytes before it are written. */
    void end() {
        queue.add(END);
    }

    @Override
    public void run() {
        try {
            final OutputStream toSocket = tunnel.socket().getOutputStream();
            while (true) {
                final byte[] next = queue.take();
                if (next == STOP) {
                    return;
                }
                if (next == END) {
                    tunnel.socket().shutdownOutput();
                    tunnel.inboundEnded();
                    return;
                }
                toSocket.write(next);
                tunnel.countToSocket(next.length);
                synchronized (this) {
                    queued -= next.length;
                    notifyAll();
                }
                final int grant = tunnel.flow().drained(next.length);
                if (grant > 0) {
                    grantOrAbort(grant);
                }
            }
        } catch (final IOException failed) {
            if (!tunnel.isOver()) {
                tunnel.abort("TCP connection failed: " + failed.getMessage());
            }
        } catch (final InterruptedException stop) {
            Thread.currentThread().interrupt();
            tunnel.abort("interrupted");
        }
    }

    private void grantOrAbort(final int grant) {
        try {
            tunnel.channel().grant(grant);
        } catch (final IOException broken) {
            if (!tunnel.isOver()) {
                tunnel.abort("granting credit failed: " + broken.getMessage());
            }
        }
    }
}
