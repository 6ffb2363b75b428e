package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.ptth.protocol.pth1.FrameWriter;
import org.ptth.proxy.tunnel.ClassicTunnel.Ending;

/**
 * The request body that carries what the local TCP peer sends (upstream on the client, downstream
 * on the server) in the streaming form: chunked and unbounded, written frame by frame as the
 * socket delivers bytes.
 *
 * <p>It flushes whenever the socket has nothing more buffered, so a keystroke leaves at once while
 * bulk data goes out in large chunks; a quiet heartbeat interval sends a HEARTBEAT.
 */
public final class OutboundEntity extends AbstractHttpEntity {

    static final int READ_BUFFER = 64 * 1024;

    private final ClassicTunnel tunnel;
    private final TunnelSettings settings;
    private final boolean flushPreamble;
    private volatile Ending ending = Ending.NONE;
    private volatile String abortReason;

    public OutboundEntity(final ClassicTunnel tunnel, final TunnelSettings settings) {
        this(tunnel, settings, true);
    }

    /**
     * @param flushPreamble whether the preamble leaves at once: a streamed upstream or downstream
     *                      must reach the relay before its first byte (the relay binds it to the
     *                      tunnel); a duplex body's request head has done that already
     */
    OutboundEntity(final ClassicTunnel tunnel, final TunnelSettings settings, final boolean flushPreamble) {
        super(ContentType.APPLICATION_OCTET_STREAM, null, true);
        this.tunnel = tunnel;
        this.settings = settings;
        this.flushPreamble = flushPreamble;
    }

    @Override
    public void writeTo(final OutputStream out) throws IOException {
        final OutboundFrames source = new OutboundFrames(tunnel, settings, READ_BUFFER);
        final FrameWriter frames = new FrameWriter(out);
        frames.preamble();
        if (flushPreamble) {
            frames.flush();
        }
        final OutboundChannel channel = tunnel.channel();
        channel.attach(frames);
        try {
            Ending now = Ending.NONE;
            while (now == Ending.NONE) {
                now = source.next(frames, channel);
            }
            abortReason = source.abortReason();
            ending = now;
            if (now == Ending.END && tunnel.flow().enabled()) {
                if (flushPreamble) {
                    letThePeerGo(channel);
                } else {
                    afterEnd(channel);
                }
            }
        } finally {
            channel.detach();
        }
    }

    /**
     * A four-stream upload ends its body at END: a front that buffers request bodies (nginx by
     * default) passes nothing on before the body's end. It can carry no grant after that, so it
     * grants the peer all it may (the peer sends without limit from here on, and this side's
     * writer holds the relay's response back instead, its memory bounded).
     */
    private void letThePeerGo(final OutboundChannel channel) throws IOException {
        tunnel.flow().releasePeer();
        channel.write(writer -> writer.credit(Integer.MAX_VALUE), true);
    }

    /**
     * With flow control a duplex body stays open after END until the tunnel is over: it carries the
     * credit granted for the other direction (written by that direction's socket writer) and a
     * HEARTBEAT every interval, so that the relay's read timeout does not cut it meanwhile.
     */
    private void afterEnd(final OutboundChannel channel) throws IOException {
        tunnel.outboundEnded(); // END has left: our half-close is on its way
        final long heartbeatMillis = settings.heartbeat().toMillis();
        while (true) {
            try {
                final TunnelOutcome outcome = tunnel.outcome().get(heartbeatMillis, TimeUnit.MILLISECONDS);
                if (outcome.aborted()) {
                    throw new IOException("tunnel aborted: " + outcome.reason());
                }
                return;
            } catch (final TimeoutException quiet) {
                channel.write(FrameWriter::heartbeat, true);
            } catch (final InterruptedException stop) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted after END");
            } catch (final ExecutionException impossible) {
                throw new IOException(impossible.getCause());
            }
        }
    }

    public Ending ending() {
        return ending;
    }

    public String abortReason() {
        return abortReason;
    }

    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("a tunnel body can only be written");
    }

    @Override
    public long getContentLength() {
        return -1;
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public void close() {
        // the socket belongs to the tunnel, which closes it
    }
}
