package org.ptth.proxy.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.ptth.proxy.net.HostPort;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code --metrics-listen HOST:PORT}: {@code GET /metrics} in the Prometheus text format, on the
 * JDK's own HTTP server, one daemon thread. No key: bind it to an address only the scraper reaches.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final PrometheusTextFormatWriter FORMAT = PrometheusTextFormatWriter.create();

    private final HttpServer server;
    private final ExecutorService thread;

    private MetricsEndpoint(final HttpServer server, final ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    public static MetricsEndpoint start(final HostPort listen, final ProxyMetrics metrics) throws IOException {
        final HttpServer server = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
        final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "ptth-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", exchange -> answer(exchange, metrics));
        server.start();
        return new MetricsEndpoint(server, thread);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void answer(final HttpExchange exchange, final ProxyMetrics metrics) throws IOException {
        try (exchange) {
            final String method = exchange.getRequestMethod();
            if (!"/metrics".equals(exchange.getRequestURI().getPath())) {
                text(exchange, 404, "not found: the metrics are at /metrics\n");
            } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET");
                text(exchange, 405, "GET only\n");
            } else {
                final ByteArrayOutputStream body = new ByteArrayOutputStream();
                FORMAT.write(body, metrics.registry().scrape());
                exchange.getResponseHeaders().set("Content-Type", FORMAT.getContentType());
                send(exchange, 200, body.toByteArray(), "HEAD".equals(method));
            }
        }
    }

    private static void text(final HttpExchange exchange, final int status, final String text) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        send(exchange, status, text.getBytes(StandardCharsets.UTF_8), false);
    }

    private static void send(final HttpExchange exchange, final int status, final byte[] body, final boolean head)
            throws IOException {
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
