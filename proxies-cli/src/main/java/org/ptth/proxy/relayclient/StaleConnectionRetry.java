package org.ptth.proxy.relayclient;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.List;
import javax.net.ssl.SSLException;

import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.util.TimeValue;

/**
 * Retries a call once when a kept-alive connection turned out to be closed by the other end (a
 * reverse proxy ends keep-alive connections after so many requests or so long idle), which shows
 * up as no response at all. Only calls whose body can be sent again are retried, which HttpClient
 * checks itself: listen, connect, accept and refuse, never a streamed upstream or downstream. A
 * connect the relay did get once ends there when its connection goes. Statuses are never retried
 * (no retriable codes): Retry-After is the pollers' business.
 */
final class StaleConnectionRetry extends DefaultHttpRequestRetryStrategy {

    StaleConnectionRetry() {
        super(1, TimeValue.ZERO_MILLISECONDS, List.of(InterruptedIOException.class, UnknownHostException.class,
                ConnectException.class, SSLException.class), List.of());
    }

    @Override
    protected boolean handleAsIdempotent(final HttpRequest request) {
        return true;
    }
}
