package org.ptth.proxy.mux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import javax.net.ssl.SSLContext;

import org.apache.hc.core5.http.HttpHost;
import org.ptth.protocol.Headers;
import org.ptth.protocol.mux.Frames;
import org.ptth.proxy.relayclient.HttpProxySetting;
import org.ptth.proxy.relayclient.RelayAddress;

/**
 * Opens the WebSocket of the mux transport with the JDK's client: {@code GET BASE v1/{server}/mux}
 * with the key and the subprotocol {@value Frames#SUBPROTOCOL}. TLS trusts what the other
 * transports trust ({@code --ca-file} or the system's store) and verifies host names; an HTTP proxy
 * is reached with CONNECT, as the JDK does for every WebSocket.
 */
final class LinkDialer implements AutoCloseable {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The JDK's WebSocket encodes a message through a buffer of this size: one write for a whole message. */
    private static final String WRITE_BUFFER_PROPERTY = "jdk.httpclient.websocket.writeBufferSize";

    private final RelayAddress address;
    private final String server;
    private final String authorization;
    private final ClientExecutor executor = new ClientExecutor();
    private final HttpClient http;

    /**
     * @param server the server whose connection this is: our own name on a server proxy, the
     *               server we reach on a client proxy
     * @param tls    the context for an https relay, or null for the system's trust store
     */
    LinkDialer(final RelayAddress address, final String server, final String key, final SSLContext tls,
               final HttpProxySetting proxy) {
        this.address = address;
        this.server = server;
        this.authorization = "Bearer " + key;
        if (System.getProperty(WRITE_BUFFER_PROPERTY) == null) {
            System.setProperty(WRITE_BUFFER_PROPERTY, Integer.toString(Frames.MAX_MESSAGE_BYTES + 16));
        }
        final HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(new SettingSelector(proxy))
                .executor(executor);
        try {
            builder.sslContext(tls != null ? tls : SSLContext.getDefault());
        } catch (final NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("no default TLS context: " + impossible.getMessage(), impossible);
        }
        this.http = builder.build();
    }

    /** The URL of the upgrade, for log lines. */
    URI endpoint() {
        return address.muxEndpoint(server);
    }

    /**
     * Starts the upgrade. The future completes with the open WebSocket (the listener has had
     * onOpen), or fails with {@link UpgradeRefused} when the relay or a front answered with a
     * status, or with the I/O failure.
     */
    CompletableFuture<WebSocket> dial(final WebSocket.Listener listener) {
        final CompletableFuture<WebSocket> opening;
        try {
            opening = http.newWebSocketBuilder()
                    .header("Authorization", authorization)
                    .subprotocols(Frames.SUBPROTOCOL)
                    .connectTimeout(CONNECT_TIMEOUT)
                    .buildAsync(endpoint(), listener);
        } catch (final RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        return opening.handle((socket, failure) -> {
            if (failure != null) {
                throw new CompletionException(classify(unwrap(failure)));
            }
            if (!Frames.SUBPROTOCOL.equals(socket.getSubprotocol())) {
                socket.abort();
                throw new CompletionException(new UpgradeRefused(101, "the WebSocket was accepted without"
                        + " subprotocol " + Frames.SUBPROTOCOL + " (not a ptth relay?)", 0));
            }
            return socket;
        });
    }

    private static Throwable unwrap(final Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static Throwable classify(final Throwable failure) {
        if (failure instanceof WebSocketHandshakeException) {
            final var response = ((WebSocketHandshakeException) failure).getResponse();
            if (response != null && response.statusCode() != 101) {
                final HttpHeaders headers = response.headers();
                final String reason = headers.firstValue(Headers.REASON).map(UpgradeRefused::unescape).orElse(null);
                final long retryAfter = headers.firstValue("Retry-After").map(LinkDialer::seconds).orElse(0L);
                return new UpgradeRefused(response.statusCode(), reason, retryAfter);
            }
            return new IOException("WebSocket handshake failed: " + failure.getMessage(), failure);
        }
        return failure;
    }

    private static long seconds(final String header) {
        try {
            return Math.max(0, Long.parseLong(header.trim())) * 1000;
        } catch (final NumberFormatException date) {
            return 0;
        }
    }

    @Override
    public void close() {
        executor.close();
    }

    /** The proxy of an {@link HttpProxySetting} as the JDK client asks for it. */
    private static final class SettingSelector extends ProxySelector {

        private final HttpProxySetting setting;

        SettingSelector(final HttpProxySetting setting) {
            this.setting = setting;
        }

        @Override
        public List<Proxy> select(final URI uri) {
            final HttpHost proxy = uri.getHost() == null ? null : setting.proxyFor(uri.getHost());
            if (proxy == null) {
                return List.of(Proxy.NO_PROXY);
            }
            return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHostName(),
                    proxy.getPort())));
        }

        @Override
        public void connectFailed(final URI uri, final SocketAddress proxy, final IOException failure) {
            // the failure reaches the caller of dial
        }
    }
}
