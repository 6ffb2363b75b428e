package org.ptth.relay.websocket;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.MuxProtocolException;
import org.ptth.relay.mux.Carrier;
import org.ptth.relay.timing.Timers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A mux connection's WebSocket, on the Servlet upgrade API: the container calls back when bytes
 * can be read or written (no thread waits on the connection), each read is decoded at once, and
 * each message leaves in one write. It answers pings and the close handshake itself.
 *
 * <p>After the upgrade Tomcat sets no read or write timeout on the connection at all (its
 * UpgradeProcessorExternal makes both infinite): a quiet connection lives, and the relay's own
 * checks (mux.peer-timeout) end one that went silent. Closing the streams lets the container close
 * the socket at its next event on the connection.
 *
 * <p>A close the relay begins waits for the proxy's answer before the streams close (RFC 6455
 * 7.1.1), reading and dropping what comes meanwhile: the proxy sends until it has read the close
 * frame (CREDIT for the last DATA, a PING), and a socket closed with bytes unread, or that bytes
 * reach after its close, is reset by the kernel, which drops what the relay wrote but had not yet
 * sent. A proxy that does not answer within {@link #CLOSE_ANSWER_NANOS} is closed all the same.
 */
public final class UpgradedCarrier implements HttpUpgradeHandler, ReadListener, WriteListener, Carrier,
        FrameDecoder.Handler {
    private static final Logger LOG = Logger.getLogger(UpgradedCarrier.class.getName());
    private static final int READ_BYTES = 16 * 1024;
    /** Bytes read in one go before the writes they caused are let out. */
    private static final int READS_PER_BATCH = 256 * 1024;
    /** How long the relay's close frame waits for the proxy's answer before the socket closes anyway. */
    static final long CLOSE_ANSWER_NANOS = TimeUnit.SECONDS.toNanos(Frames.CLOSE_ANSWER_SECONDS);

    private final FrameDecoder decoder = new FrameDecoder(this, Frames.MAX_MESSAGE_BYTES);
    private final AtomicBoolean over = new AtomicBoolean();
    private final AtomicBoolean shut = new AtomicBoolean();
    private final AtomicBoolean answerAwaited = new AtomicBoolean();
    private volatile Carrier.Events events;
    private volatile Timers timers;
    /** The peer's close frame came, or its end: nothing more will come. */
    private volatile boolean peerDone;
    /** The peer broke the protocol: the connection is failed, closed right after the close frame (RFC 6455 7.1.7). */
    private volatile boolean failed;
    private volatile boolean streamsClosed;
    private WebConnection connection;
    private ServletInputStream in;
    private ServletOutputStream out;
    private byte[] readBuffer;
    // guarded by this: what the carrier owes the peer on its own
    private byte[] pong;
    private byte[] closeFrame;
    private boolean closeSent;

    /** For the container, which makes the instance when the request is upgraded. */
    public UpgradedCarrier() {
    }

    /**
     * The connection that hears this carrier, and the timers that bound its wait for a close answer:
     * set right after the upgrade, before the container starts it.
     */
    public void bind(final Carrier.Events connectionEvents, final Timers closeTimers) {
        this.events = connectionEvents;
        this.timers = closeTimers;
    }

    @Override
    public void init(final WebConnection webConnection) {
        connection = webConnection;
        try {
            in = webConnection.getInputStream();
            out = webConnection.getOutputStream();
        } catch (final IOException e) {
            ended(CloseCodes.ABNORMAL, "the upgraded connection has no streams: " + describe(e));
            closeStreams();
            return;
        }
        readBuffer = new byte[READ_BYTES];
        out.setWriteListener(this);
        in.setReadListener(this);
    }

    @Override
    public void destroy() {
        streamsClosed = true;
        ended(CloseCodes.ABNORMAL, "the connection was closed");
        events.released();
    }

    // ---- reading

    @Override
    public void onDataAvailable() {
        boolean read = false;
        int sinceDone = 0;
        try {
            while (!streamsClosed && !decoder.closeReceived() && in.isReady()) {
                final int n = in.read(readBuffer, 0, readBuffer.length);
                if (n < 0) {
                    break; // onAllDataRead follows
                }
                if (n > 0) {
                    read = true;
                    decoder.feed(readBuffer, 0, n);
                    sinceDone += n;
                    if (sinceDone >= READS_PER_BATCH) {
                        // a peer that sends without pause: let what it caused be written now and then
                        sinceDone = 0;
                        events.readDone();
                    }
                }
            }
        } catch (final WebSocketException e) {
            fail(e.closeCode(), e.getMessage());
        } catch (final IOException | IllegalStateException e) {
            LOG.log(Level.FINE, "mux read failed", e);
            ended(CloseCodes.ABNORMAL, "read failed: " + describe(e));
            closeStreams();
        } finally {
            if (read) {
                events.readDone();
            }
        }
    }

    @Override
    public void onAllDataRead() {
        peerDone = true;
        ended(CloseCodes.ABNORMAL, decoder.closeReceived() ? "closed by the proxy"
                : "the connection ended without a close frame");
        final boolean owed;
        synchronized (this) {
            owed = closeFrame != null && !closeSent;
        }
        if (owed) {
            events.writable();
        } else {
            closeStreams();
        }
    }

    @Override
    public void onError(final Throwable t) {
        ended(CloseCodes.ABNORMAL, t instanceof java.io.EOFException
                ? "the connection ended without a close frame" : "connection failed: " + describe(t));
        closeStreams();
    }

    @Override
    public void binary(final ByteBuffer part, final boolean messageEnds) throws WebSocketException {
        try {
            events.binary(part, messageEnds);
        } catch (final MuxProtocolException e) {
            throw new WebSocketException(CloseCodes.PROTOCOL_ERROR, e.getMessage());
        }
    }

    @Override
    public void ping(final ByteBuffer payload) {
        synchronized (this) {
            pong = FrameEncoder.pong(payload); // only the latest ping needs an answer (RFC 6455 5.5.3)
        }
        events.writable();
    }

    @Override
    public void pong(final ByteBuffer payload) {
        // answers to pings the relay never sends: nothing to do
    }

    @Override
    public void closeFrame(final int code, final String reason) {
        peerDone = true;
        final boolean answered;
        synchronized (this) {
            if (closeFrame == null) {
                closeFrame = FrameEncoder.close(code == CloseCodes.NO_STATUS ? CloseCodes.NORMAL : code, "");
            }
            answered = closeSent; // the answer to the relay's own close frame
        }
        ended(code, "closed by the proxy (" + code + (reason.isEmpty() ? "" : " " + reason) + ")");
        if (answered) {
            closeStreams();
        } else {
            events.writable();
        }
    }

    private void fail(final int code, final String reason) {
        failed = true;
        synchronized (this) {
            if (closeFrame == null) {
                closeFrame = FrameEncoder.close(code, reason);
            }
        }
        ended(code, (code == CloseCodes.PROTOCOL_ERROR ? "protocol error: " : "") + reason);
        events.writable();
    }

    // ---- writing (the connection's writer, one thread at a time)

    @Override
    public boolean writable() {
        if (streamsClosed) {
            return false;
        }
        try {
            if (!out.isReady()) {
                return false;
            }
        } catch (final IllegalStateException e) {
            return false;
        }
        final boolean finished;
        synchronized (this) {
            finished = closeSent;
        }
        if (finished) {
            awaitAnswer();
            return false;
        }
        return true;
    }

    @Override
    public boolean sendOwn() throws IOException {
        final byte[] frame;
        synchronized (this) {
            if (closeSent) {
                return false;
            }
            if (closeFrame != null) {
                frame = closeFrame;
                closeSent = true;
                pong = null;
            } else if (pong != null) {
                frame = pong;
                pong = null;
            } else {
                return false;
            }
        }
        write(frame, 0, frame.length);
        return true;
    }

    @Override
    public void send(final byte[] buffer, final int length) throws IOException {
        final int start = FrameEncoder.binaryHeader(buffer, HEADER_ROOM, length);
        write(buffer, start, HEADER_ROOM + length - start);
    }

    /**
     * One write, then a flush if the socket took it all: a non-blocking write keeps what the socket
     * did not take and sends it once writable, while a flush (like a write) is refused until then.
     */
    private void write(final byte[] bytes, final int offset, final int length) throws IOException {
        out.write(bytes, offset, length);
        if (out.isReady()) {
            out.flush();
        }
    }

    @Override
    public void onWritePossible() {
        events.writable();
    }

    @Override
    public void close(final int code, final String reason) {
        over.set(true); // the connection closes itself; it needs no word back
        synchronized (this) {
            if (closeFrame == null) {
                closeFrame = FrameEncoder.close(code, reason);
            }
        }
    }

    @Override
    public void cut() {
        over.set(true);
        closeStreams();
    }

    // ---- ending

    /**
     * The close frame has left: the streams close once the peer has answered it, or after the bound
     * (the container then closes the socket at its next event on it: the peer's answer, its next
     * PING or its end; the Servlet API has no way to close an upgraded socket from another thread).
     */
    private void awaitAnswer() {
        if (peerDone || failed) {
            closeStreams();
            return;
        }
        if (!answerAwaited.compareAndSet(false, true)) {
            return;
        }
        try {
            timers.after(CLOSE_ANSWER_NANOS, this::closeStreams);
        } catch (final RejectedExecutionException e) {
            closeStreams(); // the web application is stopping: no timer to wait with
        }
        if (peerDone) {
            closeStreams(); // the answer came while the wait was set up
        }
    }

    private void ended(final int code, final String why) {
        if (over.compareAndSet(false, true)) {
            events.closed(code, why);
        }
    }

    private void closeStreams() {
        streamsClosed = true;
        final WebConnection c = connection;
        if (c == null || !shut.compareAndSet(false, true)) {
            return;
        }
        try {
            c.close();
        } catch (final Exception e) {
            LOG.log(Level.FINE, "closing the upgraded connection failed", e);
        }
    }

    private static String describe(final Throwable t) {
        final String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
