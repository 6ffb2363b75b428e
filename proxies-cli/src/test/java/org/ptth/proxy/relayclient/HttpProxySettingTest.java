package org.ptth.proxy.relayclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.Test;

class HttpProxySettingTest {

    private static final HttpHost CORP = new HttpHost("http", "proxy.corp", 3128);

    @Test
    void theRelaySchemePicksTheVariableAndLowerCaseWins() {
        final Map<String, String> env = Map.of("https_proxy", "http://proxy.corp:3128",
                "HTTPS_PROXY", "http://other:1", "http_proxy", "http://plain:8080");
        assertEquals(CORP, HttpProxySetting.resolve(null, "https", env).proxyFor("relay.example"));
        assertEquals(new HttpHost("http", "plain", 8080),
                HttpProxySetting.resolve(null, "http", env).proxyFor("relay.example"));
        assertEquals(CORP, HttpProxySetting.resolve(null, "https", Map.of("HTTPS_PROXY", "proxy.corp:3128"))
                .proxyFor("relay.example"));
        assertNull(HttpProxySetting.resolve(null, "https", Map.of("http_proxy", "http://plain:8080"))
                .proxyFor("relay.example"));
    }

    @Test
    void noProxyListsHostSuffixesAndStar() {
        final Map<String, String> env = Map.of("https_proxy", "http://proxy.corp:3128",
                "no_proxy", " .internal.example, relay.local:8443 ,10.0.0.7");
        final HttpProxySetting setting = HttpProxySetting.resolve(null, "https", env);
        assertNull(setting.proxyFor("relay.internal.example"));
        assertNull(setting.proxyFor("internal.example"));
        assertNull(setting.proxyFor("RELAY.LOCAL"));
        assertNull(setting.proxyFor("10.0.0.7"));
        assertEquals(CORP, setting.proxyFor("notinternal.example"));
        assertEquals(CORP, setting.proxyFor("localhost"), "localhost is proxied unless listed");
        assertEquals(CORP, setting.proxyFor("127.0.0.1"), "127.0.0.1 is proxied unless listed");
        assertNull(HttpProxySetting.resolve(null, "https", Map.of("https_proxy", "http://proxy.corp:3128",
                "NO_PROXY", "*")).proxyFor("anything"));
    }

    @Test
    void theFlagWinsAndNoneGoesDirect() {
        final Map<String, String> env = Map.of("https_proxy", "http://other:1", "no_proxy", "relay.example");
        assertEquals(CORP, HttpProxySetting.resolve("http://proxy.corp:3128", "https", env).proxyFor("relay.example"));
        assertNull(HttpProxySetting.resolve("none", "https", env).proxyFor("elsewhere"));
        assertThrows(IllegalArgumentException.class, () -> HttpProxySetting.resolve("socks5://x:1", "https", env));
    }
}
