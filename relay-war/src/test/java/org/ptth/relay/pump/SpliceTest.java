package org.ptth.relay.pump;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.InOrder;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;
import org.mockito.junit.jupiter.MockitoSettings;
import org.mockito.quality.Strictness;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.same;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.lenient;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * The splice's state machine, driven by hand: the container's callbacks are called by the test in
 * the order a container could call them, and the streams are mocks whose isReady()/read() follow a script.
 *
 * <p>Strictness is lenient: every test shares one fixture of stubbed exchanges, and not every test
 * reaches every stub (an aborted splice never asks the sink for isReady(), say).
 */
@ExtendWith(MockitoExtension.class)
@MockitoSettings(strictness = Strictness.LENIENT)
class SpliceTest {
    @Mock
    private Splice.Events events;

    private Side source;
    private Side sink;
    private ServletInputStream in;
    private ServletOutputStream out;
    private Splice splice;

    /** What the source's read() does next: bytes, 0 (chunk header without data) or -1. */
    private final Deque<byte[]> reads = new ArrayDeque<>();
    private final AtomicBoolean sourceReady = new AtomicBoolean();
    private final AtomicBoolean sourceFinished = new AtomicBoolean();
    private final AtomicBoolean sinkReady = new AtomicBoolean(true);
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final List<Integer> askedLengths = new ArrayList<>();

    private static final byte[] ZERO = new byte[0];
    /** Compared by identity: the end of the body. */
    private static final byte[] EOF = new byte[0];

    /** One held call: its mocks and the exchange built on them the way the registry builds it. */
    private static final class Side {
        final HttpServletRequest request = mock(HttpServletRequest.class);
        final HttpServletResponse response = mock(HttpServletResponse.class);
        final AsyncContext async = mock(AsyncContext.class);
        final ServletOutputStream errorBody = mock(ServletOutputStream.class);
        final AtomicBoolean committed = new AtomicBoolean();
        final Exchange exchange;

        Side(final String label) throws IOException {
            lenient().when(request.startAsync(request, response)).thenReturn(async);
            lenient().when(async.getRequest()).thenReturn(request);
            lenient().when(async.getResponse()).thenReturn(response);
            lenient().when(response.isCommitted()).thenAnswer(i -> committed.get());
            lenient().when(response.getOutputStream()).thenReturn(errorBody);
            exchange = Exchange.start(request, response, label);
            exchange.addRoles(1);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        source = new Side("upstream S/x");
        sink = new Side("accept S/x");
        in = mock(ServletInputStream.class);
        out = mock(ServletOutputStream.class);
        when(source.request.getInputStream()).thenReturn(in);
        when(sink.response.getOutputStream()).thenReturn(out);

        when(in.isReady()).thenAnswer(i -> sourceReady.get());
        when(in.isFinished()).thenAnswer(i -> sourceFinished.get());
        when(in.read(any(byte[].class))).thenAnswer(i -> {
            final byte[] b = i.getArgument(0);
            askedLengths.add(b.length);
            if (reads.isEmpty()) {
                throw new AssertionError("read() with nothing scripted; isReady() was " + sourceReady.get());
            }
            final byte[] next = reads.poll();
            if (next == EOF) {
                return -1;
            }
            System.arraycopy(next, 0, b, 0, next.length);
            if (reads.isEmpty()) {
                // The script ran out: the source has nothing more for now.
                sourceReady.set(false);
            }
            return next.length;
        });
        when(out.isReady()).thenAnswer(i -> sinkReady.get());
        doAnswer(i -> {
            written.write(i.<byte[]>getArgument(0), i.<Integer>getArgument(1), i.<Integer>getArgument(2));
            return null;
        }).when(out).write(any(byte[].class), anyInt(), anyInt());
        doAnswer(i -> {
            sink.committed.set(true);
            return null;
        }).when(out).flush();

        splice = new Splice("upstream", events);
    }

    private void script(final byte[]... results) {
        for (final byte[] r : results) {
            reads.add(r);
        }
        sourceReady.set(true);
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private void attachBoth() {
        splice.attachSink(sink.exchange);
        splice.attachSource(source.exchange);
    }

    @Test
    void attachingRegistersListenersAndCommitsTheSinkAtOnce() throws IOException {
        attachBoth();

        verify(out).setWriteListener(splice);
        verify(in).setReadListener(splice);
        verify(out, times(1)).flush();
        assertTrue(sink.committed.get());
        verify(in, never()).read(any(byte[].class));
        assertFalse(splice.isDone());
    }

    @Test
    void nothingIsReadUntilDataIsAvailable() throws IOException {
        attachBoth();
        verify(in, never()).read(any(byte[].class));

        script(bytes("hello"));
        splice.onDataAvailable();

        assertEquals("hello", written.toString(StandardCharsets.US_ASCII));
        assertEquals(5, splice.bytes());
        verify(events, times(1)).spliceMoved(splice);
        final InOrder order = inOrder(in, out);
        order.verify(in).isReady();
        order.verify(in).read(any(byte[].class));
        order.verify(out).write(any(byte[].class), eq(0), eq(5));
        // The source ran dry after the write: the pump asks isReady() again, which registers for the next callback.
        order.verify(in).isReady();
        verify(events, never()).spliceEnded(any());
        verify(sink.async, never()).complete();
    }

    @Test
    void zeroByteReadLoopsBackToIsReadyAndDoesNotEndTheStream() throws IOException {
        attachBoth();
        script(ZERO);
        // The chunk header came without its data: read() gives 0, then isReady() is false.
        org.mockito.Mockito.doReturn(true, false).when(in).isReady();
        splice.onDataAvailable();

        final InOrder order = inOrder(in);
        order.verify(in).isReady();
        order.verify(in).read(any(byte[].class));
        order.verify(in).isReady();
        verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
        verify(events, never()).spliceMoved(any());
        verify(events, never()).spliceEnded(any());
        verify(sink.async, never()).complete();
        verify(source.async, never()).complete();
        assertFalse(splice.isDone());

        // The data then arrives and goes through as usual.
        doAnswer(i -> sourceReady.get()).when(in).isReady();
        script(bytes("late"));
        splice.onDataAvailable();
        assertEquals("late", written.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void readReturningMinusOneEndsCleanly() throws IOException {
        attachBoth();
        script(bytes("last words"), EOF);
        splice.onDataAvailable();

        assertEquals("last words", written.toString(StandardCharsets.US_ASCII));
        assertCleanEnd();
    }

    @Test
    void isFinishedEndsCleanlyWithoutAnotherRead() throws IOException {
        attachBoth();
        script(bytes("abc"));
        splice.onDataAvailable();
        sourceFinished.set(true);
        splice.onAllDataRead();

        verify(in, times(1)).read(any(byte[].class));
        assertEquals("abc", written.toString(StandardCharsets.US_ASCII));
        assertCleanEnd();
    }

    private void assertCleanEnd() throws IOException {
        assertTrue(splice.isDone());
        verify(events, times(1)).spliceEnded(splice);
        verify(events, never()).spliceFailed(any(), any());
        // The sink's response was committed by the stream: it just completes.
        verify(sink.response, never()).setStatus(anyInt());
        verify(sink.async, times(1)).complete();
        // The source's call gets its 204 once its body has been relayed.
        verify(source.response).setStatus(204);
        verify(source.async, times(1)).complete();
        assertTrue(sink.exchange.isCompleted());
        assertTrue(source.exchange.isCompleted());

        // Callbacks after the end change nothing.
        splice.onDataAvailable();
        splice.onWritePossible();
        splice.onAllDataRead();
        verify(events, times(1)).spliceEnded(splice);
        verify(sink.async, times(1)).complete();
        verify(source.async, times(1)).complete();
    }

    @Test
    void cleanEndWaitsForTheSinkBeforeCompleting() throws IOException {
        attachBoth();
        sinkReady.set(false);
        script(bytes("tail"));
        splice.onDataAvailable();
        sourceFinished.set(true);
        splice.onAllDataRead();
        verify(events, never()).spliceEnded(any());
        verify(sink.async, never()).complete();

        sinkReady.set(true);
        splice.onWritePossible();
        assertEquals("tail", written.toString(StandardCharsets.US_ASCII));
        verify(events, times(1)).spliceEnded(splice);
        verify(sink.async, times(1)).complete();
    }

    @Test
    void aSlowSinkStopsReadingUntilThePendingBytesAreWritten() throws IOException {
        attachBoth();
        sinkReady.set(false);
        script(bytes("first"), bytes("second"));
        splice.onDataAvailable();

        // One buffer read, then the sink said not ready: no second read although the source has more.
        verify(in, times(1)).read(any(byte[].class));
        verify(out, never()).write(any(byte[].class), anyInt(), anyInt());

        // More data-available signals must not read past the pending buffer.
        splice.onDataAvailable();
        splice.onDataAvailable();
        verify(in, times(1)).read(any(byte[].class));

        sinkReady.set(true);
        splice.onWritePossible();

        final InOrder order = inOrder(in, out);
        order.verify(in).read(any(byte[].class));
        order.verify(out).write(any(byte[].class), eq(0), eq(5));
        order.verify(in).read(any(byte[].class));
        order.verify(out).write(any(byte[].class), eq(0), eq(6));
        assertEquals("firstsecond", written.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void theSinkIsFlushedWhenTheSourceRunsDry() throws IOException {
        attachBoth();
        // One flush so far: the commit of the headers. Nothing was written, so no flush for data.
        verify(out, times(1)).flush();

        script(bytes("ping"));
        splice.onDataAvailable();

        final InOrder order = inOrder(out, in);
        order.verify(out).flush();
        order.verify(out).write(any(byte[].class), eq(0), eq(4));
        order.verify(in).isReady();
        order.verify(out).flush();
        verify(out, times(2)).flush();

        // A spurious callback with nothing new written does not flush again.
        splice.onDataAvailable();
        verify(out, times(2)).flush();
    }

    @Test
    void aFullReadDoublesTheBufferUpTo256KiB() throws IOException {
        attachBoth();
        // Every read fills whatever buffer it is given, seven times, then a short read and the end.
        doAnswer(i -> {
            final byte[] b = i.getArgument(0);
            askedLengths.add(b.length);
            if (askedLengths.size() <= 7) {
                Arrays.fill(b, (byte) askedLengths.size());
                return b.length;
            }
            if (askedLengths.size() == 8) {
                return 10;
            }
            return -1;
        }).when(in).read(any(byte[].class));
        sourceReady.set(true);
        splice.onDataAvailable();

        assertEquals(List.of(8192, 16384, 32768, 65536, 131072, 262144, 262144, 262144, 262144), askedLengths);
        assertEquals(Splice.INITIAL_BUFFER, askedLengths.get(0));
        assertEquals(Splice.MAX_BUFFER, askedLengths.get(askedLengths.size() - 1));
        final byte[] all = written.toByteArray();
        assertEquals(8192 + 16384 + 32768 + 65536 + 131072 + 262144 + 262144 + 10, all.length);
        // Each write carried the bytes of its own read (the old buffer is written before it is replaced).
        assertEquals(1, all[0]);
        assertEquals(1, all[8191]);
        assertEquals(2, all[8192]);
        assertEquals(7, all[all.length - 11]);
        verify(events, times(1)).spliceEnded(splice);
    }

    @Test
    void aShortReadKeepsTheBufferSize() throws IOException {
        attachBoth();
        script(bytes("a"), bytes("bc"), bytes("def"));
        splice.onDataAvailable();
        assertEquals(List.of(8192, 8192, 8192), askedLengths);
    }

    @Test
    void anErrorOnTheSourceAbortsAndReleasesBothExchanges() throws IOException {
        attachBoth();
        script(bytes("some"));
        splice.onDataAvailable();

        splice.onError(new IOException("connection reset"));

        assertAborted("connection reset");
    }

    @Test
    void anErrorOnTheSinkWhileAWriteIsPendingAbortsToo() throws IOException {
        attachBoth();
        sinkReady.set(false);
        script(bytes("stuck"));
        splice.onDataAvailable();

        splice.onError(new IOException("broken pipe"));

        assertAborted("broken pipe");
        verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
    }

    @Test
    void anErrorWithoutAThrowableIsReportedAsALostConnection() {
        attachBoth();
        splice.onError(null);
        verify(events, times(1)).spliceFailed(same(splice), contains("connection lost"));
        verify(sink.async, times(1)).complete();
        verify(source.async, times(1)).complete();
    }

    @Test
    void anExceptionFromTheStreamIsTreatedLikeAnError() throws IOException {
        attachBoth();
        doAnswer(i -> {
            askedLengths.add(i.<byte[]>getArgument(0).length);
            throw new IOException("chunked encoding broken");
        }).when(in).read(any(byte[].class));
        sourceReady.set(true);
        splice.onDataAvailable();

        assertAborted("chunked encoding broken");
        assertEquals(1, askedLengths.size());
    }

    private void assertAborted(final String cause) throws IOException {
        assertTrue(splice.isDone());
        verify(events, times(1)).spliceFailed(same(splice), contains(cause));
        verify(events, never()).spliceEnded(any());
        // The sink's response is already streaming: it is cut (completed without a clean end).
        verify(sink.async, times(1)).complete();
        verify(sink.response, never()).setStatus(anyInt());
        // The source's call still has its response: 410 with the reason, and the connection is not kept.
        verify(source.response).setStatus(410);
        verify(source.response).setHeader("Connection", "close");
        verify(source.errorBody).write(org.mockito.ArgumentMatchers.argThat((byte[] b) ->
                new String(b, StandardCharsets.UTF_8).startsWith("tunnel closed: ")
                        && new String(b, StandardCharsets.UTF_8).contains(cause)));
        verify(source.async, times(1)).complete();

        // Nothing is read or written after the abort, whatever the container still calls.
        final int readsBefore = askedLengths.size();
        sinkReady.set(true);
        script(bytes("more"));
        splice.onDataAvailable();
        splice.onWritePossible();
        assertEquals(readsBefore, askedLengths.size());
        verify(sink.async, times(1)).complete();
        verify(source.async, times(1)).complete();
    }

    @Test
    void abortBeforeAttachReleasesTheLateComersAtOnce() throws IOException {
        splice.abort("tunnel idle");
        assertTrue(splice.isDone());

        splice.attachSink(sink.exchange);
        splice.attachSource(source.exchange);

        verify(out, never()).setWriteListener(any());
        verify(in, never()).setReadListener(any());
        verify(sink.response).setStatus(410);
        verify(source.response).setStatus(410);
        verify(sink.async, times(1)).complete();
        verify(source.async, times(1)).complete();
        // abort() is the tunnel's own doing: it is not reported back as a failure.
        verify(events, never()).spliceFailed(any(), any());
        verify(events, never()).spliceEnded(any());
    }

    @Test
    void abortAfterAttachCutsTheSinkAndAnswersTheSource() throws IOException {
        attachBoth();
        script(bytes("x"));
        splice.onDataAvailable();

        splice.abort("configuration changed");

        assertTrue(splice.isDone());
        verify(sink.async, times(1)).complete();
        verify(sink.response, never()).setStatus(anyInt());
        verify(source.response).setStatus(410);
        verify(source.errorBody).write(org.mockito.ArgumentMatchers.argThat((byte[] b) ->
                new String(b, StandardCharsets.UTF_8).equals("tunnel closed: configuration changed\n")));
        verify(source.async, times(1)).complete();
        verify(events, never()).spliceFailed(any(), any());
        verify(events, never()).spliceEnded(any());

        // A second abort (the other direction failing too) changes nothing.
        splice.abort("second reason");
        verify(sink.async, times(1)).complete();
        verify(source.async, times(1)).complete();
    }

    @Test
    void aSourceAttachedAfterTheAbortIsReleasedAtOnce() throws IOException {
        splice.attachSink(sink.exchange);
        splice.abort("server went away");
        verify(sink.async, times(1)).complete();
        verify(source.async, never()).complete();

        // The client's upstream call arrives after the tunnel ended.
        splice.attachSource(source.exchange);

        verify(in, never()).setReadListener(any());
        verify(in, never()).read(any(byte[].class));
        verify(source.response).setStatus(410);
        verify(source.errorBody).write(org.mockito.ArgumentMatchers.argThat((byte[] b) ->
                new String(b, StandardCharsets.UTF_8).equals("tunnel closed: server went away\n")));
        verify(source.async, times(1)).complete();
        verify(sink.async, times(1)).complete();
    }

    @Test
    void aSinkAttachedAfterTheAbortIsReleasedAtOnce() throws IOException {
        splice.attachSource(source.exchange);
        splice.abort("relay stopping");
        verify(source.async, times(1)).complete();

        splice.attachSink(sink.exchange);

        verify(out, never()).setWriteListener(any());
        verify(sink.response).setStatus(410);
        verify(sink.async, times(1)).complete();
    }

    @Test
    void aSourceWithoutASinkIsNotReadYet() throws IOException {
        splice.attachSource(source.exchange);
        script(bytes("early"));
        splice.onDataAvailable();
        verify(in, never()).read(any(byte[].class));

        splice.attachSink(sink.exchange);
        assertEquals("early", written.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void bytesCountWhatWasWritten() throws IOException {
        attachBoth();
        script(bytes("12345"), bytes("678"));
        splice.onDataAvailable();
        assertEquals(8, splice.bytes());
        assertArrayEquals(bytes("12345678"), written.toByteArray());
        verify(events, times(2)).spliceMoved(splice);
    }
}
