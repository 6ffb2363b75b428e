package org.ptth.proxy.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;
import org.ptth.protocol.mux.FrameParser;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.Payloads;

/** How a link dispatches the frames of incoming messages, and the listener calls it makes of the JDK's WebSocket. */
class MuxLinkTest {

    private final MuxLink.Owner owner = mock(MuxLink.Owner.class);
    private final WebSocket socket = mock(WebSocket.class);
    private final List<ByteBuffer> sent = new ArrayList<>();
    private ChannelLoop loop;
    private MuxLink link;

    @BeforeEach
    void open() throws Exception {
        loop = new ChannelLoop("test-loop");
        when(socket.sendBinary(any(ByteBuffer.class), anyBoolean())).thenAnswer(call -> {
            final ByteBuffer message = call.getArgument(0);
            sent.add(ByteBuffer.allocate(message.remaining()).put(message).flip());
            return CompletableFuture.completedFuture(socket);
        });
        when(socket.sendClose(anyInt(), anyString())).thenReturn(CompletableFuture.completedFuture(socket));
        link = new MuxLink(owner, loop);
        link.onOpen(socket);
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private static ByteBuffer message(final java.util.function.Consumer<ByteBuffer> frames) {
        final ByteBuffer out = ByteBuffer.allocate(Frames.MAX_MESSAGE_BYTES);
        frames.accept(out);
        return out.flip();
    }

    @Test
    void eachMessageIsParsedDispatchedAndOnlyThenIsTheNextRequested() throws Exception {
        final ByteBuffer both = message(out -> {
            Frames.ping(out, 42);
            Frames.open(out, 7, "ssh", "laptop from 10.0.0.7", ByteBuffer.wrap("SSH-2.0".getBytes(StandardCharsets.US_ASCII)));
        });
        link.onBinary(socket, both, true);
        final ArgumentCaptor<Payloads.Open> open = ArgumentCaptor.forClass(Payloads.Open.class);
        final InOrder order = inOrder(owner, socket);
        order.verify(socket).request(1); // onOpen
        order.verify(owner).openRequested(eq(link), eq(7), open.capture());
        order.verify(socket).sendBinary(any(ByteBuffer.class), eq(true)); // the PONG, flushed at the message's end
        order.verify(socket).request(1);
        assertEquals("ssh", open.getValue().port());
        assertEquals("laptop from 10.0.0.7", open.getValue().label());
        final List<FrameType> types = new ArrayList<>();
        final long[] token = new long[1];
        new FrameParser().feed(sent.get(0), (type, tunnel, payload) -> {
            types.add(type);
            token[0] = Payloads.pingToken(payload);
        });
        assertEquals(List.of(FrameType.PONG), types);
        assertEquals(42, token[0]);
    }

    @Test
    void aFrameSplitAcrossPartsOfOneMessageIsWholeAgain() {
        final ByteBuffer whole = message(out -> Frames.goaway(out, "relay stopping"));
        final ByteBuffer first = whole.slice(0, 5);
        final ByteBuffer rest = whole.slice(5, whole.remaining() - 5);
        link.onBinary(socket, first, false);
        verify(owner, never()).goaway(any(), anyString());
        link.onBinary(socket, rest, true);
        verify(owner).goaway(link, "relay stopping");
        assertTrue(link.isDraining());
    }

    @Test
    void aFrameRunningPastItsMessageIsAProtocolErrorThatEndsTheConnection() {
        final ByteBuffer whole = message(out -> Frames.goaway(out, "relay stopping"));
        link.onBinary(socket, whole.slice(0, 5), true);
        verify(socket).sendClose(eq(MuxLink.PROTOCOL_ERROR), anyString());
        verify(owner).lost(eq(link), org.mockito.ArgumentMatchers.startsWith("protocol error"));
        assertTrue(link.isOver());
        verify(socket, times(1)).request(1); // onOpen's only: no more messages are read
    }

    @Test
    void textMessagesListenFramesAndReusedNumbersBreakTheProtocol() {
        link.onText(socket, "hello", true);
        verify(socket).sendClose(eq(MuxLink.PROTOCOL_ERROR), anyString());

        final MuxLink second = new MuxLink(owner, loop);
        second.onOpen(socket);
        second.onBinary(socket, message(out -> Frames.listen(out, List.of("ssh"))), true);
        verify(owner).lost(eq(second), org.mockito.ArgumentMatchers.contains("LISTEN"));
    }

    @Test
    void framesForATunnelThatIsNotOpenAreIgnored() {
        link.onBinary(socket, message(out -> {
            Frames.data(out, 9, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            Frames.credit(out, 9, 1000);
            Frames.end(out, 9);
        }), true);
        verify(owner, never()).lost(any(), anyString());
        verify(socket, times(2)).request(1);
    }

    @Test
    void aCloseFromTheRelayLosesTheConnectionOnce() {
        link.onClose(socket, 1001, "going away");
        link.onError(socket, new java.io.IOException("reset"));
        verify(owner, times(1)).lost(link, "the relay closed the connection (1001 going away)");
    }
}
