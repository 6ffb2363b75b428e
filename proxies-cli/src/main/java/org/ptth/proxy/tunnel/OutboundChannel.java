package org.ptth.proxy.tunnel;

import java.io.IOException;

import org.ptth.protocol.pth1.FrameWriter;

/**
 * The streamed body that carries a tunnel's outgoing direction, shared by the two threads that write
 * into it: the one that reads the TCP socket (DATA, HEARTBEAT, END) and the one that writes the
 * incoming direction to the socket and grants credit as it drains (CREDIT). Every write and its
 * flush happen under this channel's lock. A grant made before the body started waits for it.
 */
final class OutboundChannel {

    private FrameWriter frames;
    private SegmentGrants segments;
    private long pendingGrant;

    /** Sends a grant as a segment of its own (segmented uploads). */
    @FunctionalInterface
    interface SegmentGrants {
        void send(int bytes) throws IOException;
    }

    /** The body started: grants go out on it from now on, and those that waited go now. */
    synchronized void attach(final FrameWriter writer) throws IOException {
        frames = writer;
        if (pendingGrant > 0) {
            writer.credit((int) pendingGrant);
            writer.flush();
            pendingGrant = 0;
        }
    }

    /** The direction goes as segments, the first one sent: grants go as segments of their own. */
    void attachSegments(final SegmentGrants sender) {
        final long waiting;
        synchronized (this) {
            segments = sender;
            waiting = pendingGrant;
            pendingGrant = 0;
        }
        if (waiting > 0) {
            try {
                sender.send((int) waiting);
            } catch (final IOException failed) {
                // the sender has aborted the tunnel
            }
        }
    }

    /** The body is over: nothing more goes into it. */
    synchronized void detach() {
        frames = null;
        segments = null;
    }

    /** Grants the peer more credit: a CREDIT frame, at once. */
    void grant(final int bytes) throws IOException {
        final SegmentGrants sender;
        synchronized (this) {
            sender = segments;
            if (sender == null) {
                if (frames == null) {
                    pendingGrant += bytes;
                    return;
                }
                frames.credit(bytes);
                frames.flush();
                return;
            }
        }
        // a segment's round trip, outside this lock: the segments' own order is the sender's
        sender.send(bytes);
    }

    /** Writes a frame (and flushes if asked) with no CREDIT frame cutting in. */
    synchronized void write(final FrameWrite write, final boolean flush) throws IOException {
        write.to(frames);
        if (flush) {
            frames.flush();
        }
    }

    /** One frame's worth of writing. */
    @FunctionalInterface
    interface FrameWrite {
        void to(FrameWriter frames) throws IOException;
    }
}
