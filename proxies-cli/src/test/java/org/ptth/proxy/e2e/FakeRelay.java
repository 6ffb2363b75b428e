package org.ptth.proxy.e2e;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * Plays the relay for tests: parks listen polls, hands connections over, and splices each request
 * body into the matching response body byte for byte, as the real relay does. Never looks inside.
 */
final class FakeRelay implements Closeable {

    static final String CONTEXT = "/relay/";
    private static final byte[] EOF = new byte[0];

    private final HttpServer http;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final String serverKey;
    private final String clientKey;
    private final Map<String, BlockingQueue<Connection>> parked = new ConcurrentHashMap<>();
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    final List<String> refusals = new CopyOnWriteArrayList<>();
    /** When set, connect answers 200 with this body in place of a spliced stream. */
    volatile byte[] garbageForConnect;
    /** When set, every upload segment is answered 409. */
    volatile boolean rejectSegments;
    /** Every upload segment received: verb, Ptth-Segment value, the body. */
    final List<Segment> segments = new CopyOnWriteArrayList<>();
    /** When false, the relay ignores Ptth-Duplex: 1 as a relay without duplex mode would. */
    volatile boolean confirmDuplex = true;
    /** The endpoint of every request, in order of arrival. */
    final List<String> verbs = new CopyOnWriteArrayList<>();
    /** How many requests arrived, any endpoint. */
    final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

    record Segment(String verb, String kind, byte[] body) {
    }

    /** One connection: its decision and the two spliced directions. */
    private static final class Connection {
        final String id;
        final CompletableFuture<String> refusal = new CompletableFuture<>(); // null = accepted
        final BlockingQueue<byte[]> up = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> down = new LinkedBlockingQueue<>();

        Connection(final String id) {
            this.id = id;
        }
    }

    FakeRelay(final String serverKey, final String clientKey) throws IOException {
        this(serverKey, clientKey, null);
    }

    /** @param tls when not null, the relay speaks HTTPS with this context's certificate */
    FakeRelay(final String serverKey, final String clientKey, final SSLContext tls) throws IOException {
        this.serverKey = serverKey;
        this.clientKey = clientKey;
        if (tls == null) {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } else {
            final HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            http = https;
        }
        http.setExecutor(threads);
        http.createContext(CONTEXT, this::handle);
        http.start();
    }

    String baseUrl() {
        return (http instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + http.getAddress().getPort()
                + CONTEXT;
    }

    private void handle(final HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try {
            final String[] parts = exchange.getRequestURI().getPath().substring(CONTEXT.length()).split("/");
            if (!"POST".equals(exchange.getRequestMethod()) || parts.length != 4 || !"v1".equals(parts[0])) {
                error(exchange, 400, "malformed path");
                return;
            }
            final String verb = parts[2];
            final String arg = parts[3];
            verbs.add(verb);
            final boolean clientCall = verb.equals("connect") || verb.equals("upstream");
            final String expected = "Bearer " + (clientCall ? clientKey : serverKey);
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                error(exchange, 401, "unknown key");
                return;
            }
            switch (verb) {
                case "listen": listen(exchange, arg); break;
                case "connect": connect(exchange, arg); break;
                case "accept": accept(exchange, arg); break;
                case "refuse": refuse(exchange, arg); break;
                case "upstream": receive(exchange, connections.get(arg), true); break;
                case "downstream": receive(exchange, connections.get(arg), false); break;
                default: error(exchange, 400, "unknown endpoint");
            }
        } catch (final InterruptedException stopping) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private BlockingQueue<Connection> queue(final String port) {
        return parked.computeIfAbsent(port, name -> new LinkedBlockingQueue<>());
    }

    private void listen(final HttpExchange exchange, final String port) throws IOException, InterruptedException {
        final Connection connection = queue(port).poll(2, TimeUnit.SECONDS);
        if (connection == null) {
            exchange.sendResponseHeaders(204, -1);
            return;
        }
        final byte[] body = (connection.id + "\n").getBytes(StandardCharsets.US_ASCII);
        exchange.getResponseHeaders().set("Ptth-Connection-Id", connection.id);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=UTF-8");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private void connect(final HttpExchange exchange, final String port) throws IOException, InterruptedException {
        final byte[] garbage = garbageForConnect;
        final Connection connection = new Connection(newId());
        if (garbage != null) {
            exchange.getResponseHeaders().set("Ptth-Connection-Id", connection.id);
            exchange.sendResponseHeaders(200, garbage.length);
            exchange.getResponseBody().write(garbage);
            return;
        }
        connections.put(connection.id, connection);
        queue(port).put(connection);
        final String refusal;
        try {
            refusal = connection.refusal.get(10, TimeUnit.SECONDS);
        } catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException none) {
            queue(port).remove(connection);
            error(exchange, 404, "no such server or port online");
            return;
        }
        if (refusal != null) {
            error(exchange, 502, refusal);
            return;
        }
        exchange.getResponseHeaders().set("Ptth-Connection-Id", connection.id);
        send(exchange, connection.down, duplex(exchange, connection.up));
    }

    /**
     * In duplex mode (Ptth-Duplex: 1, confirmed), reads the request body into a direction on a
     * thread of its own while the caller streams the response; null otherwise.
     */
    private CompletableFuture<Void> duplex(final HttpExchange exchange, final BlockingQueue<byte[]> direction) {
        if (!confirmDuplex || !"1".equals(exchange.getRequestHeaders().getFirst("Ptth-Duplex"))) {
            return null;
        }
        exchange.getResponseHeaders().set("Ptth-Duplex", "1");
        return CompletableFuture.runAsync(() -> {
            try {
                pump(exchange.getRequestBody(), direction);
            } catch (final IOException cut) {
                // the direction ends without END: its receiver aborts
            }
        }, threads);
    }

    /** The exchange ends only once its request body has ended too. */
    private static void awaitUpload(final CompletableFuture<Void> upload) throws InterruptedException {
        if (upload == null) {
            return;
        }
        try {
            upload.get(60, TimeUnit.SECONDS);
        } catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
            // the test fails on its own
        }
    }

    private void accept(final HttpExchange exchange, final String id) throws IOException, InterruptedException {
        final Connection connection = connections.get(id);
        if (connection == null || !connection.refusal.complete(null)) {
            error(exchange, 409, "unknown connection");
            return;
        }
        send(exchange, connection.up, duplex(exchange, connection.down));
    }

    private void refuse(final HttpExchange exchange, final String id) throws IOException {
        final String reason = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        refusals.add(reason);
        final Connection connection = connections.get(id);
        if (connection != null) {
            connection.refusal.complete(reason);
        }
        exchange.sendResponseHeaders(204, -1);
    }

    /** Streams one direction into a response, flushing each piece, until that direction's body ended. */
    private static void send(final HttpExchange exchange, final BlockingQueue<byte[]> direction)
            throws IOException, InterruptedException {
        send(exchange, direction, null);
    }

    /**
     * As above; with a duplex upload, the response is closed only once the request body has ended:
     * the JDK's server closes the request body with the response, so unlike the real relay this one
     * cannot end a duplex response first (the END frame inside it still arrives at once).
     */
    private static void send(final HttpExchange exchange, final BlockingQueue<byte[]> direction,
                             final CompletableFuture<Void> upload) throws IOException, InterruptedException {
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, 0);
        final OutputStream out = exchange.getResponseBody();
        out.flush();
        while (true) {
            final byte[] piece = direction.poll(60, TimeUnit.SECONDS);
            if (piece == null || piece == EOF) {
                break;
            }
            out.write(piece);
            out.flush();
        }
        awaitUpload(upload);
        out.close();
    }

    /** Reads a request body into one direction; its end (clean or failed) ends the response it feeds. */
    private void receive(final HttpExchange exchange, final Connection connection, final boolean upstream)
            throws IOException {
        if (connection == null) {
            error(exchange, 409, "unknown connection");
            return;
        }
        final BlockingQueue<byte[]> direction = upstream ? connection.up : connection.down;
        final String segment = exchange.getRequestHeaders().getFirst("Ptth-Segment");
        if (segment != null) {
            receiveSegment(exchange, direction, upstream ? "upstream" : "downstream", segment);
            return;
        }
        pump(exchange.getRequestBody(), direction);
        exchange.sendResponseHeaders(204, -1);
    }

    /** Copies a request body into a direction; its end (clean or failed) ends the response it feeds. */
    private static void pump(final InputStream in, final BlockingQueue<byte[]> direction) throws IOException {
        final byte[] buffer = new byte[16 * 1024];
        try {
            int count;
            while ((count = in.read(buffer)) >= 0) {
                if (count > 0) {
                    direction.add(java.util.Arrays.copyOf(buffer, count));
                }
            }
        } finally {
            direction.add(EOF);
        }
    }

    /** One segment: its bytes go on into the direction, and only then does the 204 go back. */
    private void receiveSegment(final HttpExchange exchange, final BlockingQueue<byte[]> direction,
                                final String verb, final String kind) throws IOException {
        final byte[] body = exchange.getRequestBody().readAllBytes();
        segments.add(new Segment(verb, kind, body));
        if (rejectSegments) {
            error(exchange, 409, "segment not expected");
            direction.add(EOF);
            return;
        }
        if (body.length > 0) {
            direction.add(body);
        }
        if ("last".equals(kind)) {
            direction.add(EOF);
        }
        exchange.sendResponseHeaders(204, -1);
    }

    private static void error(final HttpExchange exchange, final int status, final String reason) throws IOException {
        final byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=UTF-8");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static String newId() {
        final byte[] bits = new byte[24];
        new SecureRandom().nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    @Override
    public void close() {
        http.stop(0);
        threads.shutdownNow();
    }
}
