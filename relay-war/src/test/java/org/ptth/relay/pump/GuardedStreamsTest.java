package org.ptth.relay.pump;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.isA;
import static org.mockito.ArgumentMatchers.same;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.lenient;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

/**
 * The listener of a call's body is set outside the call's guard; a call lost between the guard's
 * check and the set (and recycled: with {@code discardFacades="false"} its stream is then the next
 * request's) must not let that other request's callbacks reach the relay, nor the relay touch that
 * stream. In these tests the mocked container stream loses the call at the start of the set, which
 * is what a loss after the check looks like from the set's side.
 */
class GuardedStreamsTest {
    private static final String FOREIGN = "the next request's connection broke";

    // --- GuardedInput and GuardedOutput on their own

    @Test
    void aCallLostBeforeTheSetGetsNoListener() {
        final StreamGuard guard = new StreamGuard("connect S/x");
        final ServletInputStream in = mock(ServletInputStream.class);
        final ServletOutputStream out = mock(ServletOutputStream.class);
        guard.lose();

        new GuardedInput(in, guard).setReadListener(mock(ReadListener.class));
        new GuardedOutput(out, guard).setWriteListener(mock(WriteListener.class));

        verifyNoMoreInteractions(in, out);
    }

    @Test
    void aReadListenerSetAsTheCallIsLostHearsNothingButTheLoss() throws IOException {
        final StreamGuard guard = new StreamGuard("connect S/x");
        final ServletInputStream in = mock(ServletInputStream.class);
        final ReadListener relay = mock(ReadListener.class);
        final AtomicReference<ReadListener> given = new AtomicReference<>();
        doAnswer(i -> {
            guard.lose();
            given.set(i.getArgument(0));
            return null;
        }).when(in).setReadListener(any());

        new GuardedInput(in, guard).setReadListener(relay);
        final ReadListener container = given.get();
        container.onDataAvailable();
        container.onAllDataRead();
        container.onError(new IOException(FOREIGN));
        container.onDataAvailable();

        verify(relay, never()).onDataAvailable();
        verify(relay, never()).onAllDataRead();
        verify(relay, times(1)).onError(isA(StreamGuard.LostException.class));
        verifyNoMoreInteractions(relay);
    }

    @Test
    void aWriteListenerSetAsTheCallIsLostHearsNothingButTheLoss() throws IOException {
        final StreamGuard guard = new StreamGuard("accept S/x");
        final ServletOutputStream out = mock(ServletOutputStream.class);
        final WriteListener relay = mock(WriteListener.class);
        final AtomicReference<WriteListener> given = new AtomicReference<>();
        doAnswer(i -> {
            guard.lose();
            given.set(i.getArgument(0));
            return null;
        }).when(out).setWriteListener(any());

        new GuardedOutput(out, guard).setWriteListener(relay);
        final WriteListener container = given.get();
        container.onWritePossible();
        container.onError(new IOException(FOREIGN));
        container.onWritePossible();

        verify(relay, never()).onWritePossible();
        verify(relay, times(1)).onError(isA(StreamGuard.LostException.class));
        verifyNoMoreInteractions(relay);
    }

    @Test
    void aLiveCallsCallbacksAllReachTheRelay() throws IOException {
        final StreamGuard guard = new StreamGuard("connect S/x");
        final ServletInputStream in = mock(ServletInputStream.class);
        final ServletOutputStream out = mock(ServletOutputStream.class);
        final ReadListener reader = mock(ReadListener.class);
        final WriteListener writer = mock(WriteListener.class);
        final ArgumentCaptor<ReadListener> readerGiven = ArgumentCaptor.forClass(ReadListener.class);
        final ArgumentCaptor<WriteListener> writerGiven = ArgumentCaptor.forClass(WriteListener.class);

        new GuardedInput(in, guard).setReadListener(reader);
        new GuardedOutput(out, guard).setWriteListener(writer);
        verify(in).setReadListener(readerGiven.capture());
        verify(out).setWriteListener(writerGiven.capture());
        final IOException readError = new IOException("reset");
        final IOException writeError = new IOException("broken pipe");
        readerGiven.getValue().onDataAvailable();
        readerGiven.getValue().onAllDataRead();
        readerGiven.getValue().onError(readError);
        writerGiven.getValue().onWritePossible();
        writerGiven.getValue().onError(writeError);

        verify(reader).onDataAvailable();
        verify(reader).onAllDataRead();
        verify(reader).onError(same(readError));
        verify(writer).onWritePossible();
        verify(writer).onError(same(writeError));
        verifyNoMoreInteractions(reader, writer);
    }

    @Test
    void aRecycledStreamRefusingTheListenerFailsOnlyTheLostCall() {
        final StreamGuard inGuard = new StreamGuard("connect S/x");
        final StreamGuard outGuard = new StreamGuard("accept S/x");
        final ServletInputStream in = mock(ServletInputStream.class);
        final ServletOutputStream out = mock(ServletOutputStream.class);
        // Tomcat's discarded facades have no buffer left: the set dereferences null.
        doAnswer(i -> {
            inGuard.lose();
            throw new NullPointerException();
        }).when(in).setReadListener(any());
        doAnswer(i -> {
            outGuard.lose();
            throw new NullPointerException();
        }).when(out).setWriteListener(any());
        final GuardedInput guardedIn = new GuardedInput(in, inGuard);
        final GuardedOutput guardedOut = new GuardedOutput(out, outGuard);

        guardedIn.setReadListener(mock(ReadListener.class));
        guardedOut.setWriteListener(mock(WriteListener.class));

        verify(in).setReadListener(any());
        verify(out).setWriteListener(any());
        // no exception from the set: the caller's next use of the call fails as lost
        assertThrows(StreamGuard.LostException.class, () -> guardedIn.read(new byte[1], 0, 1));
        assertThrows(StreamGuard.LostException.class, () -> guardedOut.write(new byte[1], 0, 1));
        verifyNoMoreInteractions(in, out);
    }

    @Test
    void aLiveCallsRefusedListenerIsTheCallersError() {
        final StreamGuard guard = new StreamGuard("connect S/x");
        final ServletInputStream in = mock(ServletInputStream.class);
        final IllegalStateException twice = new IllegalStateException("listener already set");
        doThrow(twice).when(in).setReadListener(any());

        final GuardedInput guarded = new GuardedInput(in, guard);
        final ReadListener relay = mock(ReadListener.class);
        assertSame(twice, assertThrows(IllegalStateException.class, () -> guarded.setReadListener(relay)));
    }

    // --- through an exchange and a splice, as the relay uses them

    /** A call held by the relay, over mocked servlet objects. */
    private static final class Call {
        final HttpServletRequest request = mock(HttpServletRequest.class);
        final HttpServletResponse response = mock(HttpServletResponse.class);
        final AsyncContext async = mock(AsyncContext.class);
        final Exchange exchange;

        Call(final String label) throws IOException {
            when(request.startAsync(request, response)).thenReturn(async);
            when(async.getRequest()).thenReturn(request);
            when(async.getResponse()).thenReturn(response);
            lenient().when(response.getOutputStream()).thenReturn(mock(ServletOutputStream.class));
            exchange = Exchange.start(request, response, label);
            exchange.addRoles(1);
        }

        /** The container completed the call and recycles it: its streams now serve another request. */
        void recycle() {
            exchange.onComplete(mock(AsyncEvent.class));
        }
    }

    @Test
    void aSourceLostAsTheSpliceSetsItsListenerNeverReadsTheNextRequest() throws IOException {
        final Splice.Events events = mock(Splice.Events.class);
        final Call source = new Call("upstream S/x");
        final Call sink = new Call("downstream S/x");
        final ServletInputStream nextRequestsBody = mock(ServletInputStream.class);
        final ServletOutputStream sinkBody = mock(ServletOutputStream.class);
        when(source.request.getInputStream()).thenReturn(nextRequestsBody);
        when(sink.response.getOutputStream()).thenReturn(sinkBody);
        when(sinkBody.isReady()).thenReturn(true);
        final AtomicReference<ReadListener> given = new AtomicReference<>();
        doAnswer(i -> {
            source.recycle();
            given.set(i.getArgument(0));
            return null;
        }).when(nextRequestsBody).setReadListener(any());
        final Splice splice = new Splice("up", events);

        splice.attachSink(sink.exchange);
        splice.attachSource(source.exchange);
        final ReadListener container = given.get();
        assertNotNull(container);
        // The next request on that connection, in whose stream the listener landed, calls back.
        container.onDataAvailable();
        container.onAllDataRead();
        container.onError(new IOException(FOREIGN));

        verify(nextRequestsBody).setReadListener(any());
        verifyNoMoreInteractions(nextRequestsBody);
        verify(sinkBody, never()).write(any(byte[].class), any(int.class), any(int.class));
        assertTrue(splice.isDone());
        assertFailedOnlyAsLost(events, splice);
    }

    @Test
    void aSinkLostAsTheSpliceSetsItsListenerNeverWritesTheNextResponse() throws IOException {
        final Splice.Events events = mock(Splice.Events.class);
        final Call sink = new Call("downstream S/x");
        final ServletOutputStream nextResponsesBody = mock(ServletOutputStream.class);
        when(sink.response.getOutputStream()).thenReturn(nextResponsesBody);
        final AtomicReference<WriteListener> given = new AtomicReference<>();
        doAnswer(i -> {
            sink.recycle();
            given.set(i.getArgument(0));
            return null;
        }).when(nextResponsesBody).setWriteListener(any());
        final Splice splice = new Splice("down", events);

        splice.attachSink(sink.exchange);
        final WriteListener container = given.get();
        assertNotNull(container);
        container.onWritePossible();
        container.onError(new IOException(FOREIGN));

        verify(nextResponsesBody).setWriteListener(any());
        verifyNoMoreInteractions(nextResponsesBody);
        assertTrue(splice.isDone());
        assertFailedOnlyAsLost(events, splice);
    }

    @Test
    void aSourceWhoseRecycledStreamRefusesTheListenerFailsAsLost() throws IOException {
        final Splice.Events events = mock(Splice.Events.class);
        final Call source = new Call("upstream S/x");
        final Call sink = new Call("downstream S/x");
        final ServletInputStream recycledBody = mock(ServletInputStream.class);
        final ServletOutputStream sinkBody = mock(ServletOutputStream.class);
        when(source.request.getInputStream()).thenReturn(recycledBody);
        when(sink.response.getOutputStream()).thenReturn(sinkBody);
        when(sinkBody.isReady()).thenReturn(true);
        doAnswer(i -> {
            source.recycle();
            throw new NullPointerException();
        }).when(recycledBody).setReadListener(any());
        final Splice splice = new Splice("up", events);

        splice.attachSink(sink.exchange);
        splice.attachSource(source.exchange);

        verify(recycledBody).setReadListener(any());
        verifyNoMoreInteractions(recycledBody);
        assertTrue(splice.isDone());
        assertFailedOnlyAsLost(events, splice);
        // the live end of the tunnel is answered as cut, as for any other failure
        verify(sink.response).setStatus(410);
    }

    // --- the connection's own lock

    /**
     * Tomcat runs the callbacks of a connection under that connection's lock, and a read that takes
     * the last chunk of a chunked body on another thread takes that lock too, to dispatch
     * onAllDataRead (ChunkedInputFilter.parseTrailerFields, then AbstractProcessor.executeDispatches).
     * A duplex call's body is read by whichever thread runs its splice, mostly the other call's, while
     * the container calls back on its own: a callback that waited for the guard held by that read
     * waited for itself (SoakDuplexIT, six tunnels hung with two relay threads each). The mocked
     * stream's read below does what Tomcat's does with the last chunk, while the container thread
     * holds the connection's lock and calls back.
     */
    @Test
    void aCallbackDuringAReadOfTheLastChunkElsewhereDoesNotWaitForThatRead() throws Exception {
        final StreamGuard guard = new StreamGuard("accept S/x");
        final ReentrantLock connection = new ReentrantLock();
        final CountDownLatch containerCalling = new CountDownLatch(1);
        final CountDownLatch readUnderGuard = new CountDownLatch(1);
        final ServletInputStream in = mock(ServletInputStream.class);
        when(in.read(any(byte[].class), anyInt(), anyInt())).thenAnswer(i -> {
            readUnderGuard.countDown();
            connection.lock(); // the dispatch of onAllDataRead from a thread that is not the connection's
            connection.unlock();
            return -1;
        });
        final ReadListener relay = mock(ReadListener.class);
        final ArgumentCaptor<ReadListener> given = ArgumentCaptor.forClass(ReadListener.class);
        final GuardedInput body = new GuardedInput(in, guard);
        body.setReadListener(relay);
        verify(in).setReadListener(given.capture());

        final CompletableFuture<Void> callback = CompletableFuture.runAsync(() -> {
            connection.lock(); // the container's thread for this connection, calling back under its lock
            try {
                containerCalling.countDown();
                readUnderGuard.await();
                given.getValue().onDataAvailable();
            } catch (final IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                connection.unlock();
            }
        }, daemon("container"));
        final CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                containerCalling.await();
                return body.read(new byte[16], 0, 16); // the other call's thread, running the splice
            } catch (final IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, daemon("splice"));

        assertEquals(-1, returned(read, "the read of the last chunk"));
        returned(callback, "the container's callback");
        verify(relay).onDataAvailable();
    }

    /** The task's result; a generous timeout only ends the wait for ever of two threads that wait for each other. */
    private static <T> T returned(final CompletableFuture<T> task, final String what) throws Exception {
        try {
            return task.get(30, TimeUnit.SECONDS);
        } catch (final TimeoutException e) {
            throw new AssertionError(what + " never returned: the callback waits for the guard, the read for the"
                    + " connection's lock the callback holds");
        }
    }

    /** One daemon thread per task: a thread left waiting by a failed test keeps no JVM alive. */
    private static Executor daemon(final String name) {
        return task -> {
            final Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.start();
        };
    }

    /** The splice failed, each time for its own call's loss, never for the other request's error. */
    private static void assertFailedOnlyAsLost(final Splice.Events events, final Splice splice) {
        final ArgumentCaptor<String> why = ArgumentCaptor.forClass(String.class);
        verify(events, atLeastOnce()).spliceFailed(same(splice), why.capture());
        for (final String reason : why.getAllValues()) {
            assertTrue(reason.contains("the connection is gone"), reason);
            assertFalse(reason.contains(FOREIGN), reason);
        }
        verify(events, never()).spliceEnded(any());
        assertEquals(0, splice.bytes());
    }
}
