package org.ptth.relay.mux;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ptth.protocol.mux.MuxProtocolException;

/**
 * The WebSocket under one mux connection, as the connection sees it: binary message parts come in,
 * batches of whole frames go out as one message each. Behind this interface sits the relay's own
 * RFC 6455 implementation on the Servlet upgrade API; another implementation (Tomcat's
 * jakarta.websocket) can be measured against it (docs/performance.md).
 *
 * <p>Only the connection's writer (one thread at a time) calls {@link #writable}, {@link #sendOwn}
 * and {@link #send}; {@link #close} may come from any thread.
 */
public interface Carrier {
    /** Where the payload starts in the buffers given to {@link #send}: room for the carrier's own header. */
    int HEADER_ROOM = 10;

    /**
     * Whether a message may be sent now. When not, the carrier calls {@link Events#writable()} once
     * it may; the buffer of the previous {@link #send} is the carrier's until this returns true.
     */
    boolean writable();

    /** Sends what the carrier owes on its own (a pong, a close frame); true when it sent something. */
    boolean sendOwn() throws IOException;

    /** Sends {@code length} bytes at {@link #HEADER_ROOM} of {@code buffer} as one binary message. */
    void send(byte[] buffer, int length) throws IOException;

    /**
     * Closes the WebSocket with a status code and reason; the connection hears no more but {@link Events#released()}.
     * The close frame leaves after what was sent before it, and the socket closes once the peer has
     * answered it (or after a bound): closed while the peer still sends, it would be reset, and a
     * reset drops what was written but not yet carried.
     */
    void close(int code, String reason);

    /** Closes the socket now, answered or not: the relay is stopping, and its last frames had their time. */
    void cut();

    /** What the carrier tells its connection. */
    interface Events {
        /** Part of a binary message; {@code payload} is valid only during the call. */
        void binary(ByteBuffer part, boolean messageEnds) throws MuxProtocolException;

        /** A read is over (after its parts): the time to write what it caused, in few writes. */
        void readDone();

        /** A message may be sent now, or the carrier has something of its own to send. */
        void writable();

        /** The WebSocket is over: the peer closed it, broke the protocol, or vanished. Called once. */
        void closed(int code, String why);

        /** The container has let the connection go: nothing of it is held any more. Called once, last. */
        void released();
    }
}
