package org.ptth.relay.admin;

import org.junit.jupiter.api.Test;
import org.ptth.relay.config.ConfigParser;
import org.ptth.relay.config.ConfigWatcher;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.metrics.RelayMetrics;
import org.ptth.relay.metrics.RelayState;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusPageTest {

    @Test
    void namesAndReasonsFromCallersAreEscapedAndNothingIsLoaded() throws Exception {
        final RelayConfig config = ConfigParser.parse(new StringReader("server.office.key-sha256=" + "1".repeat(64)
                + "\nclient.laptop.key-sha256=" + "2".repeat(64) + "\nclient.laptop.allow=office\n"), "test");
        final RelayMetrics metrics = new RelayMetrics(new RelayState() {
            @Override
            public RelayConfig config() {
                return config;
            }

            @Override
            public Path configFile() {
                return Path.of("/etc/<ptth>.properties");
            }

            @Override
            public ConfigWatcher.History configHistory() {
                return new ConfigWatcher.History(1, 1, 1, 2, "unknown setting '<img src=x>'");
            }

            @Override
            public Map<String, Map<String, Integer>> parkedPolls() {
                return Map.of("office", Map.of("<b>port</b>", 1));
            }

            @Override
            public Map<String, Map<String, Integer>> muxListeners() {
                return Map.of();
            }

            @Override
            public int muxConnections(final boolean servers) {
                return 0;
            }

            @Override
            public long spliceBufferBytes() {
                return 0;
            }

            @Override
            public long muxBufferBytes() {
                return 0;
            }
        });
        metrics.refused("laptop", "127.0.0.1", "office", "ssh\"><script>alert(1)</script>", "mux", 502,
                "target refused by server proxy: <script>alert(2)</script>");
        metrics.sample();
        final String page = StatusPage.render("host/<ctx>", metrics, Map.of("server", 0, "client", 0));
        assertFalse(page.contains("<script"), page);
        assertFalse(page.contains("<img"), page);
        assertFalse(page.contains("<b>"), page);
        assertTrue(page.contains("&lt;script&gt;alert(2)&lt;/script&gt;"), page);
        assertTrue(page.contains("id=\"config-error\""), page);
        assertFalse(page.contains("src=\"http") || page.contains("href=\"http") || page.contains("@import"), page);
        assertTrue(page.contains("<svg"), page);
    }
}
