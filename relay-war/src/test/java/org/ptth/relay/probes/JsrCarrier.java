package org.ptth.relay.probes;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import org.ptth.protocol.mux.MuxProtocolException;
import org.ptth.relay.mux.Carrier;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mux connection's carrier on Tomcat's own WebSocket implementation (jakarta.websocket): message
 * parts come through a partial handler, each batch of frames leaves through
 * {@link RemoteEndpoint.Async#sendBinary}, one at a time. The same connection logic and batching
 * as {@link org.ptth.relay.websocket.UpgradedCarrier}, for {@link MuxCarrierProbe} to measure both.
 */
public final class JsrCarrier extends Endpoint implements Carrier {
    private volatile Events events;
    private volatile Session session;
    private volatile RemoteEndpoint.Async remote;
    private volatile boolean sending;
    private final AtomicBoolean over = new AtomicBoolean();

    public void bind(final Events connectionEvents) {
        this.events = connectionEvents;
    }

    @Override
    public void onOpen(final Session opened, final EndpointConfig config) {
        session = opened;
        remote = opened.getAsyncRemote();
        opened.addMessageHandler(ByteBuffer.class, (MessageHandler.Partial<ByteBuffer>) (part, last) -> {
            try {
                events.binary(part, last);
            } catch (final MuxProtocolException e) {
                close(1002, e.getMessage());
            } finally {
                events.readDone();
            }
        });
        events.writable();
    }

    @Override
    public void onClose(final Session closed, final CloseReason reason) {
        ended(reason.getCloseCode().getCode(), "closed: " + reason.getReasonPhrase());
        events.released();
    }

    @Override
    public void onError(final Session failed, final Throwable t) {
        ended(1006, "failed: " + t);
    }

    private void ended(final int code, final String why) {
        if (over.compareAndSet(false, true)) {
            events.closed(code, why);
        }
    }

    @Override
    public boolean writable() {
        return remote != null && !sending && session.isOpen();
    }

    @Override
    public boolean sendOwn() {
        return false; // Tomcat answers pings and the close handshake itself
    }

    @Override
    public void send(final byte[] buffer, final int length) throws IOException {
        sending = true;
        remote.sendBinary(ByteBuffer.wrap(buffer, HEADER_ROOM, length), result -> {
            sending = false;
            if (!result.isOK()) {
                ended(1006, "send failed: " + result.getException());
            }
            events.writable();
        });
    }

    @Override
    public void close(final int code, final String reason) {
        over.set(true);
        final Session s = session;
        if (s != null) {
            // Session.close() sends the close frame with a blocking write: not on the caller's thread
            CompletableFuture.runAsync(() -> {
                try {
                    s.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
                } catch (final IOException e) {
                    // the connection is gone anyway
                }
            });
        }
    }

    @Override
    public void cut() {
        // Tomcat's WebSocket session closes its socket itself once the close handshake is over
        close(1001, "relay stopping");
    }
}
