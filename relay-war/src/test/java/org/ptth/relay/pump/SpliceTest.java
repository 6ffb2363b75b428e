package org.ptth.relay.pump;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.InOrder;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;
import org.mockito.junit.jupiter.MockitoSettings;
import org.mockito.quality.Strictness;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.argThat;
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
 * <p>The pump gathers: while the source has data and its buffer has room it reads (with offset and
 * length) into the one buffer, and writes all it gathered in one write when the source runs dry, ends,
 * or the buffer is full. The scripted read honours the offset and length it is given: a scripted chunk
 * larger than the room offered is split across reads, the way a real stream hands out what it holds.
 *
 * <p>No test can spin: the read stub and both isReady() stubs throw an AssertionError past a hard cap
 * (an Error, which the pump does not catch), and the class runs each test under a timeout in a thread
 * of its own, so that even a spin that never reads fails instead of hanging the build.
 *
 * <p>The tests are grouped by concern in nested classes; the fixture they all share (the scripted
 * streams, the exchanges built on them) and the checks several groups make (a clean end, an abort)
 * are the outer class's.
 *
 * <p>Strictness is lenient: every test shares one fixture of stubbed exchanges, and not every test
 * reaches every stub (an aborted splice never asks the sink for isReady(), say).
 */
@ExtendWith(MockitoExtension.class)
@MockitoSettings(strictness = Strictness.LENIENT)
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SpliceTest {
    /** More reads than any test needs: past it the pump is taken to be spinning. */
    private static final int READ_CAP = 10_000;
    /** The same for isReady() on either stream. */
    private static final int IS_READY_CAP = 100_000;

    private static final int KIB = 1024;

    private static final byte[] ZERO = new byte[0];
    /** Compared by identity: the end of the body. */
    private static final byte[] EOF = new byte[0];

    @Mock
    private Splice.Events events;

    private Side source;
    private Side sink;
    private Input input;
    private ServletInputStream in;
    private ServletOutputStream out;
    private Splice splice;

    /** Every read() the pump made, on any source, in order. */
    private final List<ReadCall> readCalls = new ArrayList<>();
    /** Every write() the pump made on the sink, in order, with a copy of what it carried. */
    private final List<WriteCall> writes = new ArrayList<>();
    private final AtomicBoolean sinkReady = new AtomicBoolean(true);
    private final AtomicInteger sinkIsReadyCalls = new AtomicInteger();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    /** One read() as the pump asked it, and what it got. */
    private record ReadCall(ServletInputStream stream, byte[] buffer, int offset, int length, int result) {
    }

    /** One write() as the pump made it. */
    private record WriteCall(byte[] buffer, int offset, int length, byte[] data) {
    }

    /** What a source's read(byte[], int, int) does; the default follows the script. */
    @FunctionalInterface
    private interface Reader {
        int read(byte[] buffer, int offset, int length) throws IOException;
    }

    /**
     * A source's input stream: a script of what read() hands out next (bytes, 0 for a chunk header
     * without data, or -1 for the end), and isReady()/isFinished() flags. When the script runs out
     * the source has nothing more for now: isReady() turns false.
     */
    private final class Input {
        final ServletInputStream stream = mock(ServletInputStream.class);
        final Deque<byte[]> reads = new ArrayDeque<>();
        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicBoolean finished = new AtomicBoolean();
        final AtomicInteger isReadyCalls = new AtomicInteger();
        /** When set, the body is over as soon as the script runs out (isFinished() turns true). */
        boolean finishWhenDrained;
        Reader reader = this::readScripted;

        Input() throws IOException {
            when(stream.isReady()).thenAnswer(i -> {
                if (isReadyCalls.incrementAndGet() > IS_READY_CAP) {
                    throw new AssertionError("source isReady() called " + IS_READY_CAP + " times: the pump spins");
                }
                return ready.get();
            });
            when(stream.isFinished()).thenAnswer(i -> finished.get());
            when(stream.read(any(byte[].class), anyInt(), anyInt())).thenAnswer(i -> {
                final byte[] b = i.getArgument(0);
                final int off = i.getArgument(1);
                final int len = i.getArgument(2);
                if (readCalls.size() >= READ_CAP) {
                    throw new AssertionError("read() called " + READ_CAP + " times: the pump spins");
                }
                if (off < 0 || len <= 0 || off + len > b.length) {
                    throw new AssertionError("read(buffer[" + b.length + "], " + off + ", " + len + ") asks for no room or out of bounds");
                }
                final int n = reader.read(b, off, len);
                readCalls.add(new ReadCall(stream, b, off, len, n));
                return n;
            });
            // The pump reads with offset and length only: the other reads must not be what it uses.
            when(stream.read(any(byte[].class))).thenThrow(new AssertionError("read(byte[]) is not the pump's read"));
            when(stream.read()).thenThrow(new AssertionError("read() of one byte is not the pump's read"));
        }

        void script(final byte[]... results) {
            reads.addAll(Arrays.asList(results));
            ready.set(true);
        }

        private int readScripted(final byte[] b, final int off, final int len) {
            if (reads.isEmpty()) {
                throw new AssertionError("read() with nothing scripted; isReady() was " + ready.get());
            }
            final byte[] next = reads.poll();
            final int n;
            if (next == EOF) {
                n = -1;
            } else {
                n = Math.min(len, next.length);
                System.arraycopy(next, 0, b, off, n);
                if (n < next.length) {
                    // More than the room offered: the rest waits for the next read.
                    reads.addFirst(Arrays.copyOfRange(next, n, next.length));
                }
            }
            if (reads.isEmpty()) {
                ready.set(false);
                if (finishWhenDrained) {
                    finished.set(true);
                }
            }
            return n;
        }
    }

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
        sink = new Side("accept S/x");
        out = mock(ServletOutputStream.class);
        when(sink.response.getOutputStream()).thenReturn(out);
        when(out.isReady()).thenAnswer(i -> {
            if (sinkIsReadyCalls.incrementAndGet() > IS_READY_CAP) {
                throw new AssertionError("sink isReady() called " + IS_READY_CAP + " times: the pump spins");
            }
            return sinkReady.get();
        });
        doAnswer(i -> {
            final byte[] b = i.getArgument(0);
            final int off = i.getArgument(1);
            final int len = i.getArgument(2);
            if (!sinkReady.get()) {
                throw new AssertionError("write() while the sink's isReady() says false");
            }
            writes.add(new WriteCall(b, off, len, Arrays.copyOfRange(b, off, off + len)));
            written.write(b, off, len);
            return null;
        }).when(out).write(any(byte[].class), anyInt(), anyInt());
        doAnswer(i -> {
            sink.committed.set(true);
            return null;
        }).when(out).flush();

        input = new Input();
        in = input.stream;
        source = sourceSide("upstream S/x", input);

        splice = new Splice("upstream", events);
    }

    private static Side sourceSide(final String label, final Input input) throws IOException {
        final Side side = new Side(label);
        when(side.request.getInputStream()).thenReturn(input.stream);
        return side;
    }

    private void script(final byte[]... results) {
        input.script(results);
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Distinct bytes (so that a misplaced byte shows), starting from seed. */
    private static byte[] pattern(final int length, final int seed) {
        final byte[] b = new byte[length];
        for (int k = 0; k < length; k++) {
            b[k] = (byte) (seed + k * 7 + k / 251);
        }
        return b;
    }

    private static byte[] concat(final byte[]... parts) {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (final byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    private void attachBoth() {
        splice.attachSink(sink.exchange);
        splice.attachSource(source.exchange);
    }

    private String writtenText() {
        return written.toString(StandardCharsets.US_ASCII);
    }

    private List<Integer> offeredLengths() {
        return readCalls.stream().map(ReadCall::length).toList();
    }

    private List<Integer> writeLengths() {
        return writes.stream().map(WriteCall::length).toList();
    }

    // ---- Checks shared by several groups ----

    private void assertCleanEnd(final Side src) throws IOException {
        assertTrue(splice.isDone());
        verify(events, times(1)).spliceEnded(splice);
        verify(events, never()).spliceFailed(any(), any());
        // The sink's response was committed by the stream: it just completes.
        verify(sink.response, never()).setStatus(anyInt());
        verify(sink.async, times(1)).complete();
        // The source's call gets its 204 once its body has been relayed.
        verify(src.response).setStatus(204);
        verify(src.async, times(1)).complete();
        assertTrue(sink.exchange.isCompleted());
        assertTrue(src.exchange.isCompleted());

        // Callbacks after the end change nothing, and read nothing.
        final int readsBefore = readCalls.size();
        final int writesBefore = writes.size();
        splice.onDataAvailable();
        splice.onWritePossible();
        splice.onAllDataRead();
        splice.trimIfGrown();
        assertEquals(readsBefore, readCalls.size());
        assertEquals(writesBefore, writes.size());
        verify(events, times(1)).spliceEnded(splice);
        verify(events, never()).spliceFailed(any(), any());
        verify(sink.async, times(1)).complete();
        verify(src.async, times(1)).complete();
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
        verify(source.errorBody).write(argThat((byte[] b) ->
                new String(b, StandardCharsets.UTF_8).startsWith("tunnel closed: ")
                        && new String(b, StandardCharsets.UTF_8).contains(cause)));
        verify(source.async, times(1)).complete();

        // Nothing is read or written after the abort, whatever the container still calls.
        final int readsBefore = readCalls.size();
        final int writesBefore = writes.size();
        sinkReady.set(true);
        input.reader = input::readScripted;
        script(bytes("more"));
        splice.onDataAvailable();
        splice.onWritePossible();
        splice.trimIfGrown();
        assertEquals(readsBefore, readCalls.size());
        assertEquals(writesBefore, writes.size());
        verify(sink.async, times(1)).complete();
        verify(source.async, times(1)).complete();
        verify(events, times(1)).spliceFailed(any(), any());
    }

    /** The listener given to the container: the splice, behind its call's guard. */
    private static <T> T guarding(final Splice splice) {
        return argThat(listener -> listener instanceof GuardedListener guarded && guarded.isFor(splice));
    }

    /** Attaching the ends, and the first bytes. */
    @Nested
    class Attaching {
        @Test
        void attachingRegistersListenersAndCommitsTheSinkAtOnce() throws IOException {
            attachBoth();

            verify(out).setWriteListener(guarding(splice));
            verify(in).setReadListener(guarding(splice));
            verify(out, times(1)).flush();
            assertTrue(sink.committed.get());
            verify(in, never()).read(any(byte[].class), anyInt(), anyInt());
            // Nothing to read yet: isReady() said false, which registers for onDataAvailable.
            verify(in).isReady();
            assertFalse(splice.isDone());
        }

        @Test
        void nothingIsReadBeforeTheSinkIsCommitted() throws IOException {
            sinkReady.set(false);
            attachBoth();
            script(bytes("early"));
            splice.onDataAvailable();

            verify(out, never()).flush();
            verify(in, never()).read(any(byte[].class), anyInt(), anyInt());

            sinkReady.set(true);
            splice.onWritePossible();

            final InOrder order = inOrder(in, out);
            order.verify(out).flush();
            order.verify(in).read(any(byte[].class), eq(0), eq(Splice.INITIAL_BUFFER));
            order.verify(out).write(any(byte[].class), eq(0), eq(5));
            assertEquals("early", writtenText());
        }

        @Test
        void nothingIsReadUntilDataIsAvailable() throws IOException {
            attachBoth();
            verify(in, never()).read(any(byte[].class), anyInt(), anyInt());

            script(bytes("hello"));
            splice.onDataAvailable();

            assertEquals("hello", writtenText());
            assertEquals(5, splice.bytes());
            verify(events, times(1)).spliceMoved(splice);
            final InOrder order = inOrder(in, out);
            order.verify(in).isReady();
            order.verify(in).read(any(byte[].class), eq(0), eq(Splice.INITIAL_BUFFER));
            // The source is dry: asking isReady() again (false) registers for the next callback, then the write.
            order.verify(in).isReady();
            order.verify(out).write(any(byte[].class), eq(0), eq(5));
            verify(events, never()).spliceEnded(any());
            verify(sink.async, never()).complete();
        }

        @Test
        void aSourceWithoutASinkIsNotReadYet() throws IOException {
            splice.attachSource(source.exchange);
            script(bytes("early"));
            splice.onDataAvailable();
            verify(in, never()).read(any(byte[].class), anyInt(), anyInt());

            splice.attachSink(sink.exchange);
            assertEquals("early", writtenText());
        }
    }

    /** What the source has, gathered into the one buffer and written in one write. */
    @Nested
    class Gathering {
        @Test
        void chunksAvailableAtOnceAreGatheredIntoOneWrite() throws IOException {
            attachBoth();
            script(bytes("a"), bytes("bc"), bytes("def"));
            splice.onDataAvailable();

            // Three reads into the same buffer, each after the last, each offered the room left.
            assertEquals(3, readCalls.size());
            final byte[] buffer = readCalls.get(0).buffer();
            assertEquals(Splice.INITIAL_BUFFER, buffer.length);
            assertEquals(List.of(0, 1, 3), readCalls.stream().map(ReadCall::offset).toList());
            assertEquals(List.of(8192, 8191, 8189), offeredLengths());
            readCalls.forEach(r -> assertSame(buffer, r.buffer()));

            // Then one write of all of it, from that buffer.
            assertEquals(1, writes.size());
            assertSame(buffer, writes.get(0).buffer());
            assertEquals(0, writes.get(0).offset());
            assertEquals(6, writes.get(0).length());
            assertEquals("abcdef", writtenText());

            final InOrder order = inOrder(in, out);
            order.verify(in, times(3)).read(any(byte[].class), anyInt(), anyInt());
            order.verify(out).write(any(byte[].class), eq(0), eq(6));
            verify(events, times(3)).spliceMoved(splice);
        }

        @Test
        void bytesCountWhatWasWritten() throws IOException {
            attachBoth();
            script(bytes("12345"), bytes("678"));
            splice.onDataAvailable();
            assertEquals(8, splice.bytes());
            assertArrayEquals(bytes("12345678"), written.toByteArray());
            assertEquals(List.of(8), writeLengths());
            // One spliceMoved per read that brought bytes.
            verify(events, times(2)).spliceMoved(splice);

            script(bytes("9"));
            splice.onDataAvailable();
            assertEquals(9, splice.bytes());
        }

        @Test
        void gatheringStopsAtAFullBufferWhichIsWrittenBeforeReadingOn() throws IOException {
            attachBoth();
            final byte[] first = pattern(5000, 1);
            final byte[] second = pattern(5000, 2);
            script(first, second);
            splice.onDataAvailable();

            // 5000 bytes, then the second chunk split: 3192 fill the buffer, the other 1808 wait.
            assertEquals(List.of(0, 5000, 0), readCalls.stream().map(ReadCall::offset).toList());
            assertEquals(List.of(8192, 3192, 16384), offeredLengths());
            assertEquals(List.of(5000, 3192, 1808), readCalls.stream().map(ReadCall::result).toList());
            assertEquals(List.of(8192, 1808), writeLengths());

            final InOrder order = inOrder(in, out);
            order.verify(in).read(any(byte[].class), eq(0), eq(8192));
            order.verify(in).read(any(byte[].class), eq(5000), eq(3192));
            order.verify(out).write(any(byte[].class), eq(0), eq(8192));
            order.verify(in).read(any(byte[].class), eq(0), eq(16384));
            order.verify(out).write(any(byte[].class), eq(0), eq(1808));
            assertArrayEquals(concat(first, second), written.toByteArray());
            assertEquals(10000, splice.bytes());
        }
    }

    /** Zero-byte reads, which are not the end, and the ways the source does end. */
    @Nested
    class TheEndOfTheSource {
        @Test
        void zeroByteReadLoopsBackToIsReadyAndDoesNotEndTheStream() throws IOException {
            attachBoth();
            // The chunk header came without its data: read() gives 0, then isReady() is false.
            script(ZERO);
            splice.onDataAvailable();

            final InOrder order = inOrder(in);
            order.verify(in).isReady();
            order.verify(in).read(any(byte[].class), anyInt(), anyInt());
            order.verify(in).isReady();
            verify(in, times(1)).read(any(byte[].class), anyInt(), anyInt());
            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
            verify(events, never()).spliceMoved(any());
            verify(events, never()).spliceEnded(any());
            verify(sink.async, never()).complete();
            verify(source.async, never()).complete();
            assertFalse(splice.isDone());

            // The data then arrives and goes through as usual.
            script(bytes("late"));
            splice.onDataAvailable();
            assertEquals("late", writtenText());
            assertFalse(splice.isDone());
        }

        @Test
        void zeroByteReadsBetweenChunksDoNotCutTheGathering() throws IOException {
            attachBoth();
            script(bytes("ab"), ZERO, bytes("cd"), ZERO);
            splice.onDataAvailable();

            assertEquals(List.of(2, 0, 2, 0), readCalls.stream().map(ReadCall::result).toList());
            assertEquals(List.of(0, 2, 2, 4), readCalls.stream().map(ReadCall::offset).toList());
            assertEquals(List.of(4), writeLengths());
            assertEquals("abcd", writtenText());
            verify(events, times(2)).spliceMoved(splice);
            assertFalse(splice.isDone());
        }

        @Test
        void readReturningMinusOneEndsCleanly() throws IOException {
            attachBoth();
            script(bytes("last words"), EOF);
            splice.onDataAvailable();

            assertEquals(List.of(10, -1), readCalls.stream().map(ReadCall::result).toList());
            assertEquals(List.of(10), writeLengths());
            assertEquals("last words", writtenText());
            final InOrder order = inOrder(in, out, events);
            order.verify(in, times(2)).read(any(byte[].class), anyInt(), anyInt());
            order.verify(out).write(any(byte[].class), eq(0), eq(10));
            order.verify(events).spliceEnded(splice);
            assertCleanEnd(source);
        }

        @Test
        void minusOneAtOnceEndsCleanlyWithNothingWritten() throws IOException {
            attachBoth();
            script(EOF);
            splice.onDataAvailable();

            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
            assertEquals(0, splice.bytes());
            assertCleanEnd(source);
        }

        @Test
        void isFinishedEndsCleanlyWithoutAnotherRead() throws IOException {
            attachBoth();
            script(bytes("abc"));
            splice.onDataAvailable();
            input.finished.set(true);
            splice.onAllDataRead();

            verify(in, times(1)).read(any(byte[].class), anyInt(), anyInt());
            assertEquals("abc", writtenText());
            assertCleanEnd(source);
        }

        @Test
        void isFinishedRightAfterTheLastReadWritesWhatWasGatheredAndEnds() throws IOException {
            attachBoth();
            input.finishWhenDrained = true;
            script(bytes("ab"), bytes("c"));
            splice.onDataAvailable();

            // No read after isFinished() said true; one write of everything, then the end.
            verify(in, times(2)).read(any(byte[].class), anyInt(), anyInt());
            assertEquals(List.of(3), writeLengths());
            assertEquals("abc", writtenText());
            assertCleanEnd(source);
        }

        @Test
        void cleanEndWaitsForTheSinkBeforeCompleting() throws IOException {
            attachBoth();
            sinkReady.set(false);
            script(bytes("tail"));
            splice.onDataAvailable();
            input.finished.set(true);
            splice.onAllDataRead();
            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
            verify(events, never()).spliceEnded(any());
            verify(sink.async, never()).complete();
            verify(source.async, never()).complete();

            sinkReady.set(true);
            splice.onWritePossible();
            assertEquals("tail", writtenText());
            assertCleanEnd(source);
        }
    }

    /** A sink that is not ready: what is read meanwhile; and when the sink is flushed. */
    @Nested
    class Backpressure {
        @Test
        void aFullBufferIsNotReadPastWhileAWriteIsPendingAndIsWrittenFirstWhenTheSinkIsReady() throws IOException {
            attachBoth();
            sinkReady.set(false);
            final byte[] data = pattern(12000, 3);
            script(data);
            splice.onDataAvailable();

            // One read filled the buffer; the sink said not ready: the rest of the source stays unread.
            assertEquals(List.of(8192), offeredLengths());
            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
            assertTrue(input.ready.get());

            // More data-available signals must not read past the pending buffer.
            splice.onDataAvailable();
            splice.onDataAvailable();
            assertEquals(1, readCalls.size());
            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());

            sinkReady.set(true);
            splice.onWritePossible();

            // The pending write goes out before any new read; then the rest, into the grown buffer.
            final InOrder order = inOrder(in, out);
            order.verify(in).read(any(byte[].class), eq(0), eq(8192));
            order.verify(out).write(any(byte[].class), eq(0), eq(8192));
            order.verify(in).read(any(byte[].class), eq(0), eq(16384));
            order.verify(out).write(any(byte[].class), eq(0), eq(12000 - 8192));
            assertArrayEquals(data, written.toByteArray());
        }

        @Test
        void aSinkThatIsNotReadyLetsThePumpFillTheRestOfItsBufferButNoMore() throws IOException {
            // The current Splice gathers into the room left in its buffer even while the sink is not
            // ready (the gather loop does not ask the sink); what bounds it is the buffer: once full,
            // nothing more is read until the sink takes it.
            attachBoth();
            sinkReady.set(false);
            script(bytes("first"));
            splice.onDataAvailable();
            assertEquals(1, readCalls.size());
            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());

            final byte[] rest = pattern(10000, 4);
            script(bytes("second"), rest);
            splice.onDataAvailable();
            // "second" at offset 5, then the buffer's last 8181 bytes: full, no more reads.
            assertEquals(List.of(0, 5, 11), readCalls.stream().map(ReadCall::offset).toList());
            assertEquals(List.of(5, 6, 8181), readCalls.stream().map(ReadCall::result).toList());
            splice.onDataAvailable();
            assertEquals(3, readCalls.size());
            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());

            sinkReady.set(true);
            splice.onWritePossible();
            assertEquals(List.of(8192, 10000 - 8181), writeLengths());
            assertArrayEquals(concat(bytes("firstsecond"), rest), written.toByteArray());
        }

        @Test
        void theSinkIsFlushedWhenTheSourceRunsDry() throws IOException {
            attachBoth();
            // One flush so far: the commit of the headers. Nothing was written, so no flush for data.
            verify(out, times(1)).flush();

            script(bytes("pi"), bytes("ng"));
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
    }

    /** The buffer's growth under bulk data, within the shared budget. */
    @Nested
    class BufferSize {
        @Test
        void aFullBufferWriteDoublesTheBufferUpTo1MiB() throws IOException {
            attachBoth();
            // Every read fills whatever room it is given, nine times, then a short read and the end.
            final AtomicInteger calls = new AtomicInteger();
            input.reader = (b, off, len) -> {
                final int call = calls.incrementAndGet();
                if (call <= 9) {
                    Arrays.fill(b, off, off + len, (byte) call);
                    return len;
                }
                if (call == 10) {
                    Arrays.fill(b, off, off + 10, (byte) call);
                    return 10;
                }
                return -1;
            };
            input.ready.set(true);
            splice.onDataAvailable();

            final List<Integer> sizes = List.of(8 * KIB, 16 * KIB, 32 * KIB, 64 * KIB, 128 * KIB, 256 * KIB, 512 * KIB,
                    1024 * KIB, 1024 * KIB);
            final List<Integer> offered = new ArrayList<>(sizes);
            offered.add(1024 * KIB);
            offered.add(1024 * KIB - 10);
            assertEquals(offered, offeredLengths());
            assertEquals(Splice.INITIAL_BUFFER, readCalls.get(0).length());
            assertEquals(Splice.MAX_BUFFER, readCalls.get(8).length());
            assertEquals(Splice.MAX_BUFFER, readCalls.get(8).buffer().length);
            // At the top the buffer is kept: no bigger one, and not a new one of the same size either.
            assertSame(readCalls.get(7).buffer(), readCalls.get(8).buffer());

            final List<Integer> writeSizes = new ArrayList<>(sizes);
            writeSizes.add(10);
            assertEquals(writeSizes, writeLengths());
            // Each write carried the bytes of its own read (the old buffer is written before it is replaced).
            for (int w = 0; w < writes.size(); w++) {
                final byte[] data = writes.get(w).data();
                final byte expected = (byte) (w + 1);
                for (final byte b : data) {
                    if (b != expected) {
                        throw new AssertionError("write " + w + " carried a byte " + b + ", not " + expected);
                    }
                }
            }
            final long total = writeSizes.stream().mapToLong(Integer::longValue).sum();
            assertEquals(total, written.size());
            assertEquals(total, splice.bytes());
            assertCleanEnd(source);
        }

        @Test
        void bufferGrowthStopsAtTheSharedBudgetAndIsGivenBackAtTheEnd() throws IOException {
            // Room for growing 8 -> 16 -> 32 KiB (8 + 16 KiB taken), not for 64 KiB.
            final BufferBudget budget = new BufferBudget(() -> 24L * KIB);
            splice = new Splice("upstream", events, budget);
            attachBoth();
            final AtomicInteger calls = new AtomicInteger();
            input.reader = (b, off, len) -> {
                final int call = calls.incrementAndGet();
                if (call <= 5) {
                    Arrays.fill(b, off, off + len, (byte) call);
                    return len;
                }
                return -1;
            };
            input.ready.set(true);
            splice.onDataAvailable();

            assertEquals(List.of(8 * KIB, 16 * KIB, 32 * KIB, 32 * KIB, 32 * KIB, 32 * KIB), offeredLengths(),
                    "the buffer stays at 32 KiB once the budget has no room for 64");
            assertEquals(8L * KIB + 16 * KIB + 32 * KIB + 32 * KIB + 32 * KIB, splice.bytes(), "every byte still moved");
            assertCleanEnd(source);
            assertEquals(0, budget.used(), "the grown buffer's bytes went back to the budget");
        }

        @Test
        void aPartialFillKeepsTheBufferSize() throws IOException {
            attachBoth();
            script(bytes("a"), bytes("bc"), bytes("def"));
            splice.onDataAvailable();
            script(bytes("gh"));
            splice.onDataAvailable();

            assertEquals(List.of(8192, 8191, 8189, 8192), offeredLengths());
            assertSame(readCalls.get(0).buffer(), readCalls.get(3).buffer());
            assertEquals(List.of(6, 2), writeLengths());
        }

        @Test
        void aGrownBufferKeepsItsSizeThroughPartialFills() throws IOException {
            attachBoth();
            script(pattern(8192, 5));
            splice.onDataAvailable();
            script(bytes("x"));
            splice.onDataAvailable();
            script(bytes("y"));
            splice.onDataAvailable();

            assertEquals(List.of(8192, 16384, 16384), offeredLengths());
            assertEquals(List.of(8192, 1, 1), writeLengths());
        }
    }

    /** Giving a grown buffer back when the tunnel goes quiet. */
    @Nested
    class Trimming {
        @Test
        void trimIfGrownDoesNothingWhenTheBufferDidNotGrow() throws IOException {
            attachBoth();
            script(bytes("small"));
            splice.onDataAvailable();
            final byte[] buffer = readCalls.get(0).buffer();
            final int isReadyBefore = input.isReadyCalls.get();

            splice.trimIfGrown();

            // No pump run at all: the source was not even asked.
            assertEquals(isReadyBefore, input.isReadyCalls.get());
            script(bytes("more"));
            splice.onDataAvailable();
            assertSame(buffer, readCalls.get(1).buffer());
            assertEquals(8192, readCalls.get(1).length());
            assertEquals("smallmore", writtenText());
        }

        @Test
        void trimIfGrownGivesTheBufferBackWhenTheSourceIsDry() throws IOException {
            attachBoth();
            script(pattern(8192, 6));
            splice.onDataAvailable();
            script(bytes("x"));
            splice.onDataAvailable();
            assertEquals(List.of(8192, 16384), offeredLengths());

            splice.trimIfGrown();
            script(bytes("y"));
            splice.onDataAvailable();

            // A new buffer of the initial size.
            assertEquals(Splice.INITIAL_BUFFER, readCalls.get(2).length());
            assertEquals(Splice.INITIAL_BUFFER, readCalls.get(2).buffer().length);
            assertEquals(List.of(8192, 1, 1), writeLengths());

            // A second trim without growth since changes nothing; bulk data grows it again from 8 KiB.
            splice.trimIfGrown();
            script(pattern(8192, 7), bytes("z"));
            splice.onDataAvailable();
            assertEquals(List.of(8192, 16384, 8192, 8192, 16384), offeredLengths());
            assertFalse(splice.isDone());
            verify(events, never()).spliceFailed(any(), any());
        }

        @Test
        void trimIfGrownFromTheTopSizeGivesBack8KiB() throws IOException {
            attachBoth();
            final AtomicInteger calls = new AtomicInteger();
            // Fill the buffer eight times (8 KiB up to 1 MiB), then the source is dry.
            input.reader = (b, off, len) -> {
                if (calls.incrementAndGet() == 8) {
                    input.ready.set(false);
                }
                return len;
            };
            input.ready.set(true);
            splice.onDataAvailable();
            assertEquals(Splice.MAX_BUFFER, readCalls.get(7).length());

            splice.trimIfGrown();
            input.reader = input::readScripted;
            script(bytes("after"));
            splice.onDataAvailable();
            assertEquals(Splice.INITIAL_BUFFER, readCalls.get(8).length());
            assertEquals(Splice.INITIAL_BUFFER, readCalls.get(8).buffer().length);
        }

        @Test
        void aTrimWaitsForPendingBytesAndKeepsThem() throws IOException {
            attachBoth();
            script(pattern(8192, 8));
            splice.onDataAvailable();
            sinkReady.set(false);
            script(bytes("pending"));
            splice.onDataAvailable();
            assertEquals(List.of(8192, 16384), offeredLengths());

            // Bytes wait for the sink: the buffer holding them is not given back yet.
            splice.trimIfGrown();
            verify(out, times(1)).write(any(byte[].class), anyInt(), anyInt());

            sinkReady.set(true);
            splice.onWritePossible();
            assertEquals(List.of(8192, 7), writeLengths());
            assertArrayEquals(bytes("pending"), writes.get(1).data());

            // Written, the source dry: the trim has happened.
            script(bytes("next"));
            splice.onDataAvailable();
            assertEquals(Splice.INITIAL_BUFFER, readCalls.get(2).length());
            assertArrayEquals(concat(pattern(8192, 8), bytes("pendingnext")), written.toByteArray());
        }
    }

    /** Segmented uploads: a sequence of request bodies into one sink. */
    @Nested
    class Segments {
        /** The sink, and the first segment's body; {@code last} is false for a segment that more will follow. */
        private void attachSinkAndSegment(final boolean last) {
            splice.attachSink(sink.exchange);
            splice.attachSegment(source.exchange, last);
        }

        @Test
        void aSegmentWithMoreToComeIsReleasedWith204AndTheNextContinuesIntoTheSameSink() throws IOException {
            attachSinkAndSegment(false);
            script(bytes("one"), EOF);
            splice.onDataAvailable();

            assertEquals("one", writtenText());
            final InOrder order = inOrder(out, events, source.response, source.async);
            order.verify(out).write(any(byte[].class), eq(0), eq(3));
            // The segment's bytes are pushed out before its request is let go.
            order.verify(out).flush();
            order.verify(events).segmentDone(splice);
            order.verify(source.response).setStatus(204);
            order.verify(source.async).complete();
            assertTrue(source.exchange.isCompleted());
            assertFalse(splice.isDone());
            verify(sink.async, never()).complete();
            verify(events, never()).spliceEnded(any());
            verify(events, never()).spliceFailed(any(), any());

            // Callbacks between segments read nothing.
            splice.onDataAvailable();
            splice.onWritePossible();
            assertEquals(2, readCalls.size());

            final Input second = new Input();
            final Side next = sourceSide("upstream S/x #2", second);
            splice.attachSegment(next.exchange, true);
            verify(second.stream).setReadListener(guarding(splice));
            second.script(bytes("two"), EOF);
            splice.onDataAvailable();

            assertEquals("onetwo", writtenText());
            assertEquals(6, splice.bytes());
            final ReadCall firstOfSecond = readCalls.get(2);
            assertSame(second.stream, firstOfSecond.stream());
            assertEquals(0, firstOfSecond.offset());
            // One sink all along.
            verify(out, times(1)).setWriteListener(guarding(splice));
            verify(events, times(1)).segmentDone(splice);
            verify(source.async, times(1)).complete();
            verify(source.response, never()).setStatus(410);
            assertCleanEnd(next);
        }

        @Test
        void aLastSegmentEndsTheDirection() throws IOException {
            attachSinkAndSegment(true);
            script(bytes("only"), EOF);
            splice.onDataAvailable();

            assertEquals("only", writtenText());
            verify(events, never()).segmentDone(any());
            assertCleanEnd(source);
        }

        @Test
        void aSegmentEndedByIsFinishedIsReleasedToo() throws IOException {
            attachSinkAndSegment(false);
            script(bytes("seg"));
            splice.onDataAvailable();
            verify(events, never()).segmentDone(any());

            input.finished.set(true);
            splice.onAllDataRead();
            verify(events, times(1)).segmentDone(splice);
            verify(source.response).setStatus(204);
            verify(source.async, times(1)).complete();
            assertEquals(1, readCalls.size());
            assertFalse(splice.isDone());
        }

        @Test
        void aSegmentIsNotReleasedUntilTheSinkHasTakenItsBytes() throws IOException {
            attachSinkAndSegment(false);
            sinkReady.set(false);
            script(bytes("slow"), EOF);
            splice.onDataAvailable();

            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
            verify(events, never()).segmentDone(any());
            verify(source.async, never()).complete();

            sinkReady.set(true);
            splice.onWritePossible();
            final InOrder order = inOrder(out, events, source.async);
            order.verify(out).write(any(byte[].class), eq(0), eq(4));
            order.verify(events).segmentDone(splice);
            order.verify(source.async).complete();
            verify(source.response).setStatus(204);
        }

        @Test
        void aNextSegmentAttachedFromSegmentDoneIsTakenUpAtOnce() throws IOException {
            final Input second = new Input();
            final Side next = sourceSide("upstream S/x #2", second);
            second.script(bytes("two"), EOF);
            // The registry lets the next segment in from segmentDone (here on the pumping thread itself).
            doAnswer(i -> {
                splice.attachSegment(next.exchange, true);
                return null;
            }).when(events).segmentDone(splice);

            attachSinkAndSegment(false);
            script(bytes("one"), EOF);
            splice.onDataAvailable();

            assertEquals("onetwo", writtenText());
            verify(source.response).setStatus(204);
            verify(source.async, times(1)).complete();
            assertCleanEnd(next);
        }

        @Test
        void abortBetweenSegmentsCutsTheSinkAndALateSegmentGets410() throws IOException {
            attachSinkAndSegment(false);
            script(bytes("one"), EOF);
            splice.onDataAvailable();
            verify(source.async, times(1)).complete();

            splice.abort("tunnel idle");
            assertTrue(splice.isDone());
            verify(sink.async, times(1)).complete();
            verify(sink.response, never()).setStatus(anyInt());
            // The finished segment keeps its 204: it is not answered twice.
            verify(source.async, times(1)).complete();
            verify(source.response, never()).setStatus(410);

            final Input second = new Input();
            final Side late = sourceSide("upstream S/x #2", second);
            splice.attachSegment(late.exchange, true);
            verify(second.stream, never()).setReadListener(any());
            verify(late.response).setStatus(410);
            verify(late.errorBody).write(argThat((byte[] b) ->
                    new String(b, StandardCharsets.UTF_8).equals("tunnel closed: tunnel idle\n")));
            verify(late.async, times(1)).complete();
            verify(events, never()).spliceFailed(any(), any());
            verify(events, never()).spliceEnded(any());
        }
    }

    /** A failure of either stream, or of the pump on it: the whole tunnel is aborted. */
    @Nested
    class Errors {
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
        void aReadFailingWithoutAMessageIsReportedByItsKind() throws IOException {
            attachBoth();
            input.reader = (b, off, len) -> {
                throw new EOFException();
            };
            input.ready.set(true);
            splice.onDataAvailable();

            assertAborted("upstream stream failed: EOFException");
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
            input.reader = (b, off, len) -> {
                throw new IOException("chunked encoding broken");
            };
            input.ready.set(true);
            splice.onDataAvailable();

            assertAborted("chunked encoding broken");
            verify(in, times(1)).read(any(byte[].class), anyInt(), anyInt());
        }

        @Test
        void anExceptionFromTheSinkIsTreatedLikeAnError() throws IOException {
            attachBoth();
            doAnswer(i -> {
                throw new IOException("sink gone");
            }).when(out).write(any(byte[].class), anyInt(), anyInt());
            script(bytes("lost"));
            splice.onDataAvailable();

            assertAborted("sink gone");
        }
    }

    /** The tunnel's own abort, and ends that arrive after the direction is over. */
    @Nested
    class Aborts {
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
            verify(source.errorBody).write(argThat((byte[] b) ->
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
        void abortWithBytesPendingDropsThemAndWritesNothing() throws IOException {
            attachBoth();
            sinkReady.set(false);
            script(bytes("never sent"));
            splice.onDataAvailable();

            splice.abort("relay stopping");
            sinkReady.set(true);
            splice.onWritePossible();

            verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
            assertEquals(0, splice.bytes());
            verify(sink.async, times(1)).complete();
            verify(source.response).setStatus(410);
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
            verify(in, never()).read(any(byte[].class), anyInt(), anyInt());
            verify(source.response).setStatus(410);
            verify(source.errorBody).write(argThat((byte[] b) ->
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
        void aSourceAttachedAfterACleanEndIsReleasedWithTunnelClosed() throws IOException {
            attachBoth();
            script(EOF);
            splice.onDataAvailable();
            assertTrue(splice.isDone());

            final Input second = new Input();
            final Side late = sourceSide("upstream S/x #2", second);
            splice.attachSegment(late.exchange, true);

            verify(second.stream, never()).setReadListener(any());
            verify(late.response).setStatus(410);
            verify(late.errorBody).write(argThat((byte[] b) ->
                    new String(b, StandardCharsets.UTF_8).equals("tunnel closed: tunnel closed\n")));
            verify(late.async, times(1)).complete();
            verify(events, times(1)).spliceEnded(splice);
        }
    }
}
