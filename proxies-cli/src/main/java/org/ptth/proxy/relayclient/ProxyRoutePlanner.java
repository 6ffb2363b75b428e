package org.ptth.proxy.relayclient;

import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Routes relay calls through the HTTP proxy of an {@link HttpProxySetting}, or direct for the
 * hosts its {@code no_proxy} names. HTTPS goes through the proxy with CONNECT, HTTP as
 * absolute-URI requests.
 */
final class ProxyRoutePlanner extends DefaultRoutePlanner {

    private final HttpProxySetting setting;

    ProxyRoutePlanner(final HttpProxySetting setting) {
        super(DefaultSchemePortResolver.INSTANCE);
        this.setting = setting;
    }

    @Override
    protected HttpHost determineProxy(final HttpHost target, final HttpContext context) {
        return setting.proxyFor(target.getHostName());
    }
}
