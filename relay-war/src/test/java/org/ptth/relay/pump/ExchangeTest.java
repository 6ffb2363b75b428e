package org.ptth.relay.pump;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;
import org.mockito.junit.jupiter.MockitoSettings;
import org.mockito.quality.Strictness;
import org.mockito.stubbing.Answer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.same;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.lenient;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** An exchange completes its call exactly once, however many parties try to end it. */
@ExtendWith(MockitoExtension.class)
@MockitoSettings(strictness = Strictness.STRICT_STUBS)
class ExchangeTest {
    @Mock
    private HttpServletRequest request;
    @Mock
    private HttpServletResponse response;
    @Mock
    private AsyncContext async;
    @Mock
    private ServletOutputStream body;

    private Exchange exchange;

    @BeforeEach
    void setUp() throws IOException {
        when(request.startAsync(request, response)).thenReturn(async);
        when(async.getRequest()).thenReturn(request);
        when(async.getResponse()).thenReturn(response);
        // Not every test writes a body.
        lenient().when(response.getOutputStream()).thenReturn(body);
        exchange = Exchange.start(request, response, "connect srv/ssh");
    }

    @Test
    void aStartedCallsExchangeIsFoundFromItsRequestSoThatLateRefusalsGoThroughIt() {
        final ArgumentCaptor<Object> kept = ArgumentCaptor.forClass(Object.class);
        verify(request).setAttribute(eq(Exchange.class.getName()), kept.capture());
        assertSame(exchange, kept.getValue());
        when(request.getAttribute(Exchange.class.getName())).thenReturn(exchange);
        assertSame(exchange, Exchange.of(request));

        final HttpServletRequest notStarted = mock(HttpServletRequest.class);
        assertEquals(null, Exchange.of(notStarted));
    }

    @Test
    void startTurnsTheContainerTimeoutOffAndListens() {
        final InOrder order = inOrder(request, async);
        order.verify(request).startAsync(request, response);
        order.verify(async).setTimeout(0L);
        order.verify(async).addListener(exchange);
        assertSame(request, exchange.request());
        assertSame(response, exchange.response());
        assertEquals("connect srv/ssh", exchange.label());
        assertFalse(exchange.isCompleted());
    }

    @Test
    void finishSetsTheStatusOfAnUncommittedResponseAndCompletesOnce() {
        exchange.finish(204);
        exchange.finish(204);
        exchange.finish(500);

        verify(response, times(1)).setStatus(204);
        verify(response, never()).setStatus(500);
        verify(response).setContentLength(0);
        verify(async, times(1)).complete();
        assertTrue(exchange.isCompleted());
    }

    @Test
    void finishLeavesACommittedResponseAlone() {
        when(response.isCommitted()).thenReturn(true);
        exchange.finish(204);
        verify(response, never()).setStatus(anyInt());
        verify(async, times(1)).complete();
    }

    @Test
    void answerSendsOneLineOfTextThenCompletesOnce() throws IOException {
        exchange.answer(502, "target refused\nby server", 3, true);
        exchange.answer(404, "late", false);
        exchange.finish(204);

        verify(response).setStatus(502);
        verify(response, never()).setStatus(404);
        verify(response, never()).setStatus(204);
        verify(response).setContentType("text/plain;charset=UTF-8");
        verify(response).setIntHeader("Retry-After", 3);
        verify(response).setHeader("Connection", "close");
        final ArgumentCaptor<byte[]> sent = ArgumentCaptor.forClass(byte[].class);
        verify(body).write(sent.capture());
        assertEquals("target refused by server\n", new String(sent.getValue(), StandardCharsets.UTF_8));
        verify(async, times(1)).complete();
    }

    @Test
    void answerOnACommittedResponseOnlyCompletes() throws IOException {
        when(response.isCommitted()).thenReturn(true);
        exchange.answer(410, "tunnel closed", true);
        verify(response, never()).setStatus(anyInt());
        verify(body, never()).write(any(byte[].class));
        verify(async, times(1)).complete();
    }

    @Test
    void aFailingAnswerStillCompletes() throws IOException {
        doThrow(new IOException("broken pipe")).when(body).write(any(byte[].class));
        exchange.answer(502, "refused", false);
        verify(async, times(1)).complete();
        assertTrue(exchange.isCompleted());
    }

    @Test
    void completeThrowingIsSwallowedAndNotRetried() {
        // The container already ended the call (its client went away): complete() throws.
        doThrow(new IllegalStateException("not in async mode")).when(async).complete();

        exchange.finish(204);
        exchange.answer(410, "tunnel closed", true);
        exchange.finish(204);
        exchange.releaseRole(false, null);

        verify(async, times(1)).complete();
        assertTrue(exchange.isCompleted());
    }

    @Test
    void theLastOfSeveralRolesCompletes() {
        exchange.addRoles(2);
        exchange.releaseRole(false, null);
        verify(async, never()).complete();
        assertFalse(exchange.isCompleted());

        exchange.releaseRole(false, null);
        verify(response).setStatus(204);
        verify(async, times(1)).complete();

        // A release too many, or a late answer, does nothing more.
        exchange.releaseRole(false, null);
        exchange.answer(410, "late", true);
        exchange.finish(204);
        verify(async, times(1)).complete();
        verify(response, never()).setStatus(410);
    }

    @Test
    void anAbortedRoleMakesTheLastReleaseA410WithTheReason() throws IOException {
        exchange.addRoles(2);
        exchange.releaseRole(true, "upstream stream failed: reset");
        verify(async, never()).complete();
        // The other role ends cleanly, but the call as a whole was cut.
        exchange.releaseRole(false, null);

        verify(response).setStatus(410);
        verify(response, never()).setStatus(204);
        verify(response).setHeader("Connection", "close");
        final ArgumentCaptor<byte[]> sent = ArgumentCaptor.forClass(byte[].class);
        verify(body).write(sent.capture());
        assertEquals("tunnel closed: upstream stream failed: reset\n", new String(sent.getValue(), StandardCharsets.UTF_8));
        verify(async, times(1)).complete();
    }

    @Test
    void answerTextRepliesOnceWithHeaderAndBody() throws IOException {
        assertTrue(exchange.answerText("Ptth-Connection-Id", "abc", "abc\n"));
        assertFalse(exchange.answerText("Ptth-Connection-Id", "def", "def\n"));

        final InOrder order = inOrder(response, body, async);
        order.verify(response).setStatus(200);
        order.verify(response).setHeader("Ptth-Connection-Id", "abc");
        order.verify(response).setContentLength(4);
        order.verify(body).write("abc\n".getBytes(StandardCharsets.UTF_8));
        order.verify(response).flushBuffer();
        order.verify(async).complete();
        verify(response, never()).setHeader("Ptth-Connection-Id", "def");
        verify(async, times(1)).complete();
    }

    @Test
    void answerTextReportsAFailedWriteAndStillCompletes() throws IOException {
        doThrow(new IOException("connection reset")).when(response).flushBuffer();
        assertFalse(exchange.answerText("Ptth-Connection-Id", "abc", "abc\n"));
        verify(async, times(1)).complete();
    }

    @Test
    void aCallTheContainerCompletedIsNotCompletedAgain() {
        final AtomicInteger ran = new AtomicInteger();
        exchange.whenCompleted(ran::incrementAndGet);

        exchange.onComplete(new AsyncEvent(async));
        exchange.onComplete(new AsyncEvent(async));
        exchange.finish(204);
        exchange.answer(410, "gone", true);
        assertFalse(exchange.answerText("Ptth-Connection-Id", "abc", "abc\n"));

        assertEquals(1, ran.get());
        assertTrue(exchange.isCompleted());
        verify(async, never()).complete();
        verify(response, never()).setStatus(anyInt());
    }

    @Test
    void containerErrorsAndTimeoutsReachTheOwner() {
        final Exchange.Failure owner = mock(Exchange.Failure.class);
        exchange.onFailure(owner);

        exchange.onError(new AsyncEvent(async, new IOException("Connection reset by peer")));
        exchange.onError(new AsyncEvent(async));
        exchange.onTimeout(new AsyncEvent(async));

        verify(owner).exchangeFailed(same(exchange), contains("Connection reset by peer"));
        verify(owner).exchangeFailed(same(exchange), eq("connect srv/ssh failed: connection lost"));
        verify(owner).exchangeFailed(same(exchange), eq("relay stopping"));
        // The owner decides how to end it; the exchange itself does not complete on an error.
        verify(async, never()).complete();
    }

    @Test
    void anErrorWithoutAnOwnerIsHarmless() {
        exchange.onError(new AsyncEvent(async, new IOException("reset")));
        exchange.onTimeout(new AsyncEvent(async));
        verify(async, never()).complete();
        verify(response, never()).setHeader(anyString(), anyString());
    }

    @Test
    void afterAContainerErrorNoThreadReachesTheRecycledStreams() throws IOException {
        final ServletOutputStream out = exchange.output();
        out.write(new byte[] {1, 2}, 0, 2);
        exchange.onError(new AsyncEvent(async, new IOException("Connection reset by peer")));

        // The container recycles the call for another request now: a late write must not reach it.
        assertThrows(IOException.class, () -> out.write(new byte[] {3}, 0, 1));
        assertThrows(IOException.class, out::flush);
        assertThrows(IOException.class, exchange::output);
        assertTrue(out.isReady(), "a lost call reads as ready, so that the next write fails and says why");
        exchange.prepareHead(head -> head.setStatus(200));
        exchange.answer(410, "late", true);

        verify(body, times(1)).write(any(byte[].class), anyInt(), anyInt());
        verify(body, never()).flush();
        verify(response, never()).setStatus(anyInt());
        // The container completes a call it gave up.
        verify(async, never()).complete();
    }

    @Test
    void theContainerErrorWaitsForAWriteUnderWayOnAnotherThread() throws Exception {
        final ServletOutputStream out = exchange.output();
        final List<String> events = errorCallbackDuring(
                answer -> doAnswer(answer).when(body).write(any(byte[].class), anyInt(), anyInt()),
                () -> out.write(new byte[8], 0, 8));
        assertEquals(List.of("use returned", "error callback returned"), events);
    }

    @Test
    void theContainerErrorWaitsForACompleteUnderWayOnAnotherThread() throws Exception {
        final List<String> events = errorCallbackDuring(answer -> doAnswer(answer).when(async).complete(),
                () -> exchange.finish(204));
        assertEquals(List.of("use returned", "error callback returned"), events);
    }

    /** A use of the call from another thread, made to block inside the container's method. */
    private interface Use {
        void run() throws IOException;
    }

    /** Stubs a container method of a mock with the answer given. */
    private interface Stubbing {
        void stub(Answer<Object> answer) throws IOException;
    }

    /**
     * Runs {@code use} on one thread and holds it inside the container method that {@code blockIn}
     * stubs with the answer given to it; meanwhile the container reports an error on another
     * thread. Tomcat completes and recycles the call as soon as that callback returns, so the use
     * must have returned first: the returned list says in which order they did.
     */
    private List<String> errorCallbackDuring(final Stubbing blockIn,
                                             final Use use) throws Exception {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch letUseEnd = new CountDownLatch(1);
        final List<String> events = new CopyOnWriteArrayList<>();
        blockIn.stub(call -> {
            inside.countDown();
            letUseEnd.await(30, TimeUnit.SECONDS);
            events.add("use returned");
            return null;
        });
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            final Future<?> user = threads.submit(() -> {
                use.run();
                return null;
            });
            assertTrue(inside.await(30, TimeUnit.SECONDS));
            final Future<?> container = threads.submit(() -> {
                exchange.onError(new AsyncEvent(async, new IOException("reset")));
                events.add("error callback returned");
            });
            // Give the callback time to return if nothing holds it (the bug); then let the use end.
            try {
                container.get(1, TimeUnit.SECONDS);
            } catch (final TimeoutException heldAsItShouldBe) {
                // the callback waits for the use: as it should
            }
            letUseEnd.countDown();
            user.get(30, TimeUnit.SECONDS);
            container.get(30, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
        return events;
    }

    @Test
    void readsOfALostCallFailInsteadOfTakingAnotherRequestsBytes() throws IOException {
        final ServletInputStream source = mock(ServletInputStream.class);
        when(request.getInputStream()).thenReturn(source);
        final ServletInputStream in = exchange.input();
        exchange.onComplete(new AsyncEvent(async));

        assertFalse(in.isFinished(), "a cut body is not finished");
        assertTrue(in.isReady());
        assertThrows(IOException.class, () -> in.read(new byte[8], 0, 8));
        verify(source, never()).read(any(byte[].class), anyInt(), anyInt());
        verify(source, never()).isReady();
    }
}
