package org.ptth.relay.websocket;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.WebConnection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;
import org.ptth.relay.mux.Carrier;
import org.ptth.relay.timing.Timers;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * The carrier's use of the Servlet upgrade API, with the container's streams mocked: which
 * listener calls lead to which reads, writes and events, in which order.
 */
class UpgradedCarrierTest {
    private final WebConnection connection = mock(WebConnection.class);
    private final ServletInputStream in = mock(ServletInputStream.class);
    private final ServletOutputStream out = mock(ServletOutputStream.class);
    private final Carrier.Events events = mock(Carrier.Events.class);
    private final Timers timers = mock(Timers.class);
    private final UpgradedCarrier carrier = new UpgradedCarrier();
    /** The bytes the next reads give, one array per read. */
    private final List<byte[]> reads = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        when(connection.getInputStream()).thenReturn(in);
        when(connection.getOutputStream()).thenReturn(out);
        when(in.isReady()).thenAnswer(call -> !reads.isEmpty());
        when(in.read(any(byte[].class), anyInt(), anyInt())).thenAnswer(call -> {
            final byte[] next = reads.remove(0);
            System.arraycopy(next, 0, call.getArgument(0), call.getArgument(1), next.length);
            return next.length;
        });
        carrier.bind(events, timers);
        carrier.init(connection);
    }

    @Test
    void initSetsTheWriteListenerThenTheReadListener() {
        final InOrder order = inOrder(in, out);
        order.verify(out).setWriteListener(carrier);
        order.verify(in).setReadListener(carrier);
    }

    @Test
    void aReadIsDecodedUnmaskedAndEndsWithReadDone() throws Exception {
        final byte[] payload = "two frames of mux".getBytes(StandardCharsets.US_ASCII);
        final byte[] wire = FrameDecoderTest.frame(true, 2, payload, 0x5a5a1234);
        reads.add(java.util.Arrays.copyOf(wire, 5));
        reads.add(java.util.Arrays.copyOfRange(wire, 5, wire.length));
        final List<byte[]> parts = new ArrayList<>();
        doAnswer(call -> {
            final ByteBuffer b = call.getArgument(0);
            final byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            parts.add(bytes);
            return null;
        }).when(events).binary(any(), anyBoolean());
        carrier.onDataAvailable();
        final java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        parts.forEach(all::writeBytes);
        assertArrayEquals(payload, all.toByteArray());
        final InOrder order = inOrder(events);
        order.verify(events).binary(any(), eq(true));
        order.verify(events).readDone();
    }

    @Test
    void aMessageGoesOutInOneWriteWithItsHeaderAndIsFlushedOnlyIfTheSocketTookIt() throws Exception {
        final byte[] buffer = new byte[Carrier.HEADER_ROOM + 300];
        for (int i = 0; i < 300; i++) {
            buffer[Carrier.HEADER_ROOM + i] = (byte) i;
        }
        when(out.isReady()).thenReturn(false); // the write did not all go: the container flushes it later
        carrier.send(buffer, 300);
        final ArgumentCaptor<byte[]> written = ArgumentCaptor.forClass(byte[].class);
        final ArgumentCaptor<Integer> offset = ArgumentCaptor.forClass(Integer.class);
        final ArgumentCaptor<Integer> length = ArgumentCaptor.forClass(Integer.class);
        verify(out, times(1)).write(written.capture(), offset.capture(), length.capture());
        assertEquals(Carrier.HEADER_ROOM - 4, offset.getValue(), "a 4-byte header right before the payload");
        assertEquals(304, length.getValue());
        assertEquals((byte) 0x82, written.getValue()[offset.getValue()]);
        assertEquals(126, written.getValue()[offset.getValue() + 1]);
        verify(out, never()).flush(); // Tomcat refuses a flush while a write is pending

        when(out.isReady()).thenReturn(true);
        carrier.send(buffer, 10);
        verify(out, times(1)).flush();
    }

    @Test
    void notWritableWhileTheContainerSaysSo() {
        when(out.isReady()).thenReturn(false);
        assertFalse(carrier.writable());
        when(out.isReady()).thenReturn(true);
        assertTrue(carrier.writable());
    }

    @Test
    void aCloseIsOneCloseFrameAndTheStreamsCloseWhenThePeerAnswersIt() throws Exception {
        when(out.isReady()).thenReturn(true);
        carrier.close(1008, "configuration changed");
        assertTrue(carrier.sendOwn());
        final ArgumentCaptor<byte[]> frame = ArgumentCaptor.forClass(byte[].class);
        verify(out).write(frame.capture(), eq(0), anyInt());
        assertEquals((byte) 0x88, frame.getValue()[0]);
        assertEquals(1008, ((frame.getValue()[2] & 0xff) << 8) | (frame.getValue()[3] & 0xff));
        assertFalse(carrier.sendOwn(), "one close frame");
        assertFalse(carrier.writable(), "nothing more is written");
        // the peer sends on until it has read the close frame: read, not reset by a closed socket
        verify(connection, never()).close();
        reads.add(FrameDecoderTest.frame(true, 2, new byte[] {1, 2, 3}, 11));
        carrier.onDataAvailable();
        verify(events).binary(any(), eq(true));
        verify(connection, never()).close();
        reads.add(FrameDecoderTest.frame(true, 8, new byte[] {0x03, (byte) 0xf0}, 12));
        carrier.onDataAvailable();
        verify(connection).close();
        assertFalse(carrier.sendOwn(), "the answer is not answered");
        verify(events, never()).closed(anyInt(), any()); // the connection closed itself: no word back
    }

    @Test
    void aPeerThatDoesNotAnswerTheCloseIsClosedAfterTheWait() throws Exception {
        when(out.isReady()).thenReturn(true);
        carrier.close(1001, "relay stopping");
        assertTrue(carrier.sendOwn());
        assertFalse(carrier.writable());
        final ArgumentCaptor<Runnable> deadline = ArgumentCaptor.forClass(Runnable.class);
        verify(timers).after(eq(UpgradedCarrier.CLOSE_ANSWER_NANOS), deadline.capture());
        assertFalse(carrier.writable());
        verify(timers, times(1)).after(anyLong(), any()); // one wait, however often the writer looks
        verify(connection, never()).close();
        deadline.getValue().run();
        verify(connection).close();
    }

    @Test
    void aCutClosesTheStreamsAtOnce() throws Exception {
        carrier.close(1001, "relay stopping");
        carrier.cut();
        verify(connection).close();
    }

    @Test
    void thePeersCloseIsReportedAndAnswered() throws Exception {
        reads.add(FrameDecoderTest.frame(true, 8, new byte[] {0x03, (byte) 0xe8, 'o', 'k'}, 77));
        carrier.onDataAvailable();
        verify(events).closed(eq(1000), startsWith("closed by the proxy (1000 ok)"));
        verify(events).writable();
        when(out.isReady()).thenReturn(true);
        assertTrue(carrier.sendOwn());
        final ArgumentCaptor<byte[]> frame = ArgumentCaptor.forClass(byte[].class);
        verify(out).write(frame.capture(), eq(0), anyInt());
        assertEquals((byte) 0x88, frame.getValue()[0]);
    }

    @Test
    void aPingIsAnsweredWithItsPayloadBeforeTheNextMessage() throws Exception {
        reads.add(FrameDecoderTest.frame(true, 9, new byte[] {1, 2, 3}, 5));
        carrier.onDataAvailable();
        verify(events).writable();
        when(out.isReady()).thenReturn(true);
        assertTrue(carrier.sendOwn());
        verify(out).write(eq(new byte[] {(byte) 0x8a, 3, 1, 2, 3}), eq(0), eq(5));
    }

    @Test
    void aProtocolErrorIsReportedAndClosedWith1002() throws Exception {
        reads.add(FrameDecoderTest.frame(true, 1, "text".getBytes(StandardCharsets.US_ASCII), 9));
        carrier.onDataAvailable();
        verify(events).closed(eq(1002), startsWith("protocol error: a text message"));
        when(out.isReady()).thenReturn(true);
        assertTrue(carrier.sendOwn());
        final ArgumentCaptor<byte[]> frame = ArgumentCaptor.forClass(byte[].class);
        verify(out).write(frame.capture(), eq(0), anyInt());
        assertEquals(1002, ((frame.getValue()[2] & 0xff) << 8) | (frame.getValue()[3] & 0xff));
    }

    @Test
    void aConnectionLostIsReportedOnceAndTheStreamsClosed() throws Exception {
        carrier.onError(new EOFException());
        carrier.onError(new EOFException());
        verify(events, times(1)).closed(1006, "the connection ended without a close frame");
        verify(connection).close();
        carrier.destroy();
        verify(events).released();
    }

    @Test
    void onWritePossibleLetsTheConnectionWrite() {
        carrier.onWritePossible();
        verify(events).writable();
    }
}
