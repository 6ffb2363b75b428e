package org.ptth.proxy.relay;

import javax.net.ssl.SSLContext;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * Builds the asynchronous client of duplex mode. HttpClient's classic API sends a whole request
 * before it reads the response; its HTTP/1.1 async client streams both at once. Same trust and
 * proxy as the classic client, HTTP/1.1 only (the relay's duplex is an HTTP/1.1 matter, and h2
 * would share one connection among tunnels), one connection per tunnel.
 */
final class DuplexHttp {

    private DuplexHttp() {
    }

    static CloseableHttpAsyncClient create(final SSLContext tls, final HttpProxySetting proxy, final int maxConnections,
                                           final Timeout connectTimeout) {
        final TlsStrategy tlsStrategy = tls == null
                ? DefaultClientTlsStrategy.createSystemDefault()
                : ClientTlsStrategyBuilder.create().setSslContext(tls).buildAsync();
        return HttpAsyncClients.custom()
                .setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1)
                .setRoutePlanner(new ProxyRoutePlanner(proxy))
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setTlsStrategy(tlsStrategy)
                        .setMaxConnTotal(maxConnections)
                        .setMaxConnPerRoute(maxConnections)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(connectTimeout)
                                .build())
                        .build())
                .setIOReactorConfig(IOReactorConfig.custom()
                        .setTcpNoDelay(true)
                        .setSoKeepAlive(true)
                        .build())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableConnectionState()
                .build();
    }
}
