package org.ptth.proxy.relayclient;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLContext;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.ptth.protocol.Headers;
import org.ptth.protocol.Names;

/**
 * The terminators' HTTP client for the relay endpoints. Every tunnel holds two connections for its
 * whole life (one in duplex mode), so the pool is sized for
 * thousands; nothing is retried or redirected behind the caller's back, because a replayed tunnel
 * call would be a different tunnel.
 */
public final class RelayClient implements Closeable {

    /** Two connections per tunnel: room for about 2000 tunnels at once. */
    static final int MAX_CONNECTIONS = 4096;
    /**
     * Each connection's input, output and line buffers: HttpClient's default of 32 KiB each made
     * 192 KiB per four-stream tunnel. They only gather heads, chunk lines and small frames; reads
     * and writes of bulk data larger than this bypass them.
     */
    static final int BUFFER_BYTES = 4 * 1024;
    private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(10);
    private static final Timeout POOL_LEASE_TIMEOUT = Timeout.ofSeconds(10);
    private static final Timeout PROBE_TIMEOUT = Timeout.ofSeconds(30);

    private final RelayAddress address;
    private final String authorization;
    private final CloseableHttpClient http;

    /** Direct, trusting the system's certificates. */
    public RelayClient(final RelayAddress address, final String key) {
        this(address, key, null, HttpProxySetting.DIRECT);
    }

    /**
     * @param tls   the SSLContext for an HTTPS relay ({@link RelayTrust}), or null for the system's
     *              trust store; host names are verified either way
     * @param proxy how to reach the relay: direct or through an HTTP proxy
     */
    public RelayClient(final RelayAddress address, final String key, final SSLContext tls,
                       final HttpProxySetting proxy) {
        this.address = address;
        this.authorization = "Bearer " + key;
        final TlsSocketStrategy tlsStrategy = tls == null
                ? DefaultClientTlsStrategy.createSystemDefault()
                : ClientTlsStrategyBuilder.create().setSslContext(tls).buildClassic();
        this.http = HttpClients.custom()
                .setRoutePlanner(new ProxyRoutePlanner(proxy))
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setTlsSocketStrategy(tlsStrategy)
                        .setMaxConnTotal(MAX_CONNECTIONS)
                        .setMaxConnPerRoute(MAX_CONNECTIONS)
                        .setDefaultSocketConfig(SocketConfig.custom()
                                .setTcpNoDelay(true)
                                .setSoKeepAlive(true)
                                .build())
                        .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                                .http1Config(Http1Config.custom().setBufferSize(BUFFER_BYTES).build())
                                .build())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(CONNECT_TIMEOUT)
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(POOL_LEASE_TIMEOUT)
                        .setRedirectsEnabled(false)
                        .build())
                .setRequestExecutor(new DuplexRequestExecutor())
                .setRetryStrategy(new StaleConnectionRetry())
                .disableRedirectHandling()
                // a compressing hop would hold bytes back to fill its blocks
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .build();
    }

    /**
     * A POST to {@code v1/{server}/{verb}/{arg}}, not yet sent.
     *
     * @param body            the request body; null for an empty one
     * @param responseTimeout the longest silence while waiting for and reading the response;
     *                        {@link Timeout#DISABLED} for none
     */
    public RelayCall post(final String server, final String verb, final String arg,
                          final HttpEntity body, final Timeout responseTimeout) {
        return new RelayCall(http, request(server, verb, arg, body, responseTimeout), describe(verb, arg));
    }

    /**
     * A duplex POST to {@code v1/{server}/{verb}/{arg}} with {@code Ptth-Duplex: 1}, not yet sent.
     *
     * @param writers     runs the writer of the request body (a tunnel thread)
     * @param readTimeout the longest silence while waiting for and reading the response: the peer-gone clock
     * @param writer      writes the request body, from the moment the head has gone
     */
    public DuplexCall duplex(final String server, final String verb, final String arg, final Executor writers,
                             final Duration readTimeout, final DuplexCall.BodyWriter writer) {
        final DuplexBody body = new DuplexBody(writers, writer);
        final HttpPost post = request(server, verb, arg, body, Timeout.of(readTimeout));
        post.setHeader(Headers.DUPLEX, Headers.ON);
        return new DuplexCall(new RelayCall(http, post, describe(verb, arg)), body);
    }

    /**
     * One segment of a direction sent as segments: a finite body with {@code Ptth-Segment: more}
     * or {@code last}, and its number in the direction (0 for the first). The relay answers once it has passed the bytes on, which a slow reader at
     * the other end may delay: the wait is bounded by the tunnel's peer timeout on the other direction.
     */
    public RelayCall postSegment(final String server, final String verb, final String id,
                                 final byte[] body, final long number, final boolean last) {
        final HttpPost post = request(server, verb, id,
                new ByteArrayEntity(body, ContentType.APPLICATION_OCTET_STREAM), Timeout.DISABLED);
        post.setHeader(Headers.SEGMENT, last ? Headers.SEGMENT_LAST : Headers.SEGMENT_MORE);
        // A segment is sent again when a broken connection took the answer to its first copy: the
        // number lets the relay see the copy and answer it as done instead of relaying it twice.
        post.setHeader(Headers.SEGMENT_NUMBER, Long.toString(number));
        return new RelayCall(http, post, describe(verb, id));
    }

    /**
     * Checks that the relay answers HTTP at all: a GET of the base URL, whatever its status.
     *
     * @throws IOException when no answer came (connection refused, TLS, proxy, timeout)
     */
    public void probe() throws IOException {
        final HttpGet get = new HttpGet(address.base());
        get.setConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(POOL_LEASE_TIMEOUT)
                .setRedirectsEnabled(false)
                .setResponseTimeout(PROBE_TIMEOUT)
                .build());
        http.execute(get, response -> null);
    }

    private HttpPost request(final String server, final String verb, final String arg, final HttpEntity body,
                             final Timeout responseTimeout) {
        final HttpPost post = new HttpPost(address.endpoint(server, verb, arg));
        post.setHeader(HttpHeaders.AUTHORIZATION, authorization);
        post.setEntity(body != null ? body : new ByteArrayEntity(new byte[0], null));
        post.setConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(POOL_LEASE_TIMEOUT)
                .setRedirectsEnabled(false)
                .setResponseTimeout(responseTimeout)
                .build());
        return post;
    }

    private static String describe(final String verb, final String arg) {
        return verb + "/" + (Names.isConnectionId(arg) ? Names.shortId(arg) : arg);
    }

    /** A POST whose body is a short UTF-8 text, for the refuse reason. */
    public RelayCall postText(final String server, final String verb, final String arg,
                              final String text, final Timeout responseTimeout) {
        return post(server, verb, arg,
                new ByteArrayEntity(text.getBytes(StandardCharsets.UTF_8),
                        ContentType.create("text/plain", StandardCharsets.UTF_8)),
                responseTimeout);
    }

    public RelayAddress address() {
        return address;
    }

    @Override
    public void close() {
        http.close(CloseMode.IMMEDIATE);
    }
}
