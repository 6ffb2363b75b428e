package org.ptth.relay.pump;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.protocol.Refusal;
import org.ptth.relay.errors.ErrorResponses;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One HTTP call held open by the relay (a parked listen, a connect, an accept, an upstream or a
 * downstream). It may carry one or two roles in a tunnel (the source of one direction, the sink of
 * the other); it completes exactly once, when the last role lets go, or when it is answered.
 *
 * <p>Threads other than the call's own touch its request and response only through
 * {@link #input()}, {@link #output()}, {@link #prepareHead} and the answers here, all under one
 * {@link StreamGuard}: once the container reports the connection broken, nothing touches the call
 * again, since the container recycles it for another request right after.
 */
public final class Exchange implements AsyncListener {
    private static final Logger LOG = Logger.getLogger(Exchange.class.getName());
    private static final String ATTRIBUTE = Exchange.class.getName();

    /** What the owner of an exchange hears when the container ends it (client gone, webapp stopping). */
    public interface Failure {
        void exchangeFailed(Exchange exchange, String why);
    }

    private final AsyncContext async;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final String label;
    private final StreamGuard guard;
    private final AtomicInteger roles = new AtomicInteger();
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile boolean aborted;
    private volatile String abortReason;
    private volatile Failure failure;
    private volatile Runnable whenCompleted;
    /** Whether a splice took the request body: then it reads it, and nobody else may. */
    private volatile boolean inputTaken;
    /** Whether a splice took the response body: then it set a write listener (non-blocking mode). */
    private volatile boolean outputTaken;

    private Exchange(final AsyncContext async, final String label) {
        this.async = async;
        this.request = (HttpServletRequest) async.getRequest();
        this.response = (HttpServletResponse) async.getResponse();
        this.label = label;
        this.guard = new StreamGuard(label);
    }

    /**
     * Puts the call in async mode with the container's timeout off (the registry times things
     * itself: Tomcat's would count from here, not from the last byte, and cut live streams).
     */
    public static Exchange start(final HttpServletRequest request, final HttpServletResponse response, final String label) {
        final AsyncContext async = request.startAsync(request, response);
        async.setTimeout(0);
        final Exchange exchange = new Exchange(async, label);
        async.addListener(exchange);
        request.setAttribute(ATTRIBUTE, exchange);
        return exchange;
    }

    /** The exchange a call was put in, or null while the servlet still holds it. */
    public static Exchange of(final HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof Exchange exchange ? exchange : null;
    }

    /** The request, for the call's own thread while it handles the call (its address, its headers). */
    public HttpServletRequest request() {
        return request;
    }

    /** The response, for the call's own thread while it handles the call. */
    public HttpServletResponse response() {
        return response;
    }

    /** The request body, guarded: usable from any thread, failing once the connection is gone. */
    public ServletInputStream input() throws IOException {
        inputTaken = true;
        guard.enter();
        try {
            return new GuardedInput(request.getInputStream(), guard);
        } finally {
            guard.exit();
        }
    }

    /** The response body, guarded: usable from any thread, failing once the connection is gone. */
    public ServletOutputStream output() throws IOException {
        outputTaken = true;
        guard.enter();
        try {
            return new GuardedOutput(response.getOutputStream(), guard);
        } finally {
            guard.exit();
        }
    }

    /** Sets status and headers from another thread; nothing happens once the connection is gone. */
    public void prepareHead(final Consumer<HttpServletResponse> head) {
        if (guard.tryEnter()) {
            try {
                head.accept(response);
            } finally {
                guard.exit();
            }
        }
    }

    public String label() {
        return label;
    }

    public void onFailure(final Failure listener) {
        this.failure = listener;
    }

    /** Runs once when the container has completed the call, however it ended. */
    public void whenCompleted(final Runnable action) {
        this.whenCompleted = action;
    }

    public boolean isCompleted() {
        return completed.get();
    }

    /** Takes roles before handing the exchange to splices, so that none completes it too early. */
    public void addRoles(final int count) {
        roles.addAndGet(count);
    }

    /** A splice is done with this exchange; the last one completes it. */
    public void releaseRole(final boolean abort, final String reason) {
        if (abort) {
            abortReason = reason;
            aborted = true;
        }
        if (roles.decrementAndGet() == 0) {
            if (aborted) {
                answer(Refusal.TUNNEL_CLOSED.status(), Refusal.TUNNEL_CLOSED.reason(abortReason), true);
            } else {
                finish(204);
            }
        }
    }

    /** Completes with an empty answer of this status, unless the response is already under way. */
    public void finish(final int status) {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        prepareHead(head -> {
            try {
                if (!head.isCommitted()) {
                    head.setStatus(status);
                    head.setContentLength(0);
                }
            } catch (final RuntimeException e) {
                LOG.log(Level.FINE, label + ": setting the final status failed", e);
            }
        });
        complete();
    }

    /**
     * Completes with an empty answer of this status once the request body has been read and dropped:
     * for a call whose body is already done with (a repeated segment). See {@link #complete()}.
     */
    public void discardBodyThenFinish(final int status) {
        finish(status);
    }

    /** Answers with an error line when the response is still uncommitted, then completes. */
    public void answer(final int status, final String reason, final boolean closeConnection) {
        answer(status, reason, 0, closeConnection);
    }

    public void answer(final int status, final String reason, final int retryAfterSeconds, final boolean closeConnection) {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        if (guard.tryEnter()) {
            try {
                ErrorResponses.send(response, status, reason, retryAfterSeconds, closeConnection, bodyCanGo());
            } catch (final IOException | RuntimeException e) {
                LOG.log(Level.FINE, label + ": could not send " + status, e);
            } finally {
                guard.exit();
            }
        }
        complete();
    }

    /**
     * Whether an answer may write its body now. A response a splice took is in non-blocking mode,
     * where a write before isReady() says true throws, and Tomcat's isReady() is false from the set
     * of the listener until its own first onWritePossible: a duplex call whose tunnel ended while it
     * opened is answered in that window. Its head must then promise no body, or its proxy waits for
     * one while it keeps its own body open, and the call never ends (SoakDuplexIT: the server proxy
     * held the TCP connection to its target until its read timeout).
     */
    private boolean bodyCanGo() throws IOException {
        return !outputTaken || response.isCommitted() || response.getOutputStream().isReady();
    }

    /** Answers 200 with a short text body and a header, then completes: the listen poll's reply. */
    public boolean answerText(final String header, final String value, final String body) {
        if (!completed.compareAndSet(false, true)) {
            return false;
        }
        boolean sent = false;
        if (!guard.tryEnter()) {
            complete();
            return false;
        }
        try {
            response.setStatus(200);
            response.setContentType("text/plain;charset=UTF-8");
            response.setHeader("Cache-Control", "no-store");
            // completed from the connect's thread: the connection ends with it (CallHeaders.streamingHead says why)
            response.setHeader("Connection", "close");
            response.setHeader(header, value);
            final byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
            response.flushBuffer();
            sent = true;
        } catch (final IOException | RuntimeException e) {
            LOG.log(Level.FINE, label + ": reply failed", e);
        } finally {
            guard.exit();
        }
        complete();
        return sent;
    }

    /**
     * Under the guard like any other use: Tomcat's complete() checks that the call is still live and
     * then acts on the processor that served it, which may serve another request by then (found by
     * SoakIT: another client's connect answered with a bare 200 while it still waited). Holding
     * the guard keeps the container's error callback, and so its own completion and recycling,
     * from running in between.
     */
    private void complete() {
        if (!inputTaken && drainFirst()) {
            return;
        }
        completeNow();
    }

    /**
     * A call answered with its body unread (a refused connect, a poll answered 204, a repeated
     * segment): the container would read the rest on one of its threads when the call completes,
     * however slowly it came. Push the answer out, read the body without blocking, complete after.
     */
    private boolean drainFirst() {
        final ServletInputStream in;
        if (!guard.tryEnter()) {
            return false;
        }
        try {
            if (!BodyDrain.unfinished(request)) {
                return false;
            }
            response.flushBuffer();
        } catch (final IOException | RuntimeException e) {
            LOG.log(Level.FINE, label + ": could not push the answer out before draining", e);
            return false;
        } finally {
            guard.exit();
        }
        try {
            in = input();
        } catch (final IOException lost) {
            return false;
        }
        BodyDrain.thenComplete(in, this::completeNow);
        return true;
    }

    private void completeNow() {
        if (!guard.tryEnter()) {
            return; // the container completes a call whose connection broke, once its callbacks return
        }
        try {
            async.complete();
        } catch (final IllegalStateException e) {
            // The container already ended it (a client that went away): nothing left to do.
            LOG.log(Level.FINE, label + ": already completed by the container", e);
        } finally {
            guard.exit();
        }
    }

    @Override
    public void onComplete(final AsyncEvent event) {
        completed.set(true);
        guard.lose(); // recycled next: no late use from another thread may reach it
        final Runnable action = whenCompleted;
        whenCompleted = null;
        if (action != null) {
            action.run();
        }
    }

    @Override
    public void onTimeout(final AsyncEvent event) {
        // With the timeout at 0 this only comes when the web application stops.
        failed("relay stopping");
    }

    @Override
    public void onError(final AsyncEvent event) {
        final Throwable t = event.getThrowable();
        failed(label + " failed: " + (t == null ? "connection lost" : t.toString()));
    }

    @Override
    public void onStartAsync(final AsyncEvent event) {
        // Not re-started.
    }

    /**
     * The container gives the call up: its owner hears why (and may answer, on this thread), then the
     * guard waits for any use under way elsewhere and shuts, because the container completes and
     * recycles the call as soon as this callback returns.
     */
    private void failed(final String why) {
        try {
            notifyFailure(why);
        } finally {
            guard.lose();
        }
    }

    private void notifyFailure(final String why) {
        final Failure listener = failure;
        // The owner lets go of the exchange; if nobody completes it, the container does after this callback.
        if (listener != null) {
            listener.exchangeFailed(this, why);
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
