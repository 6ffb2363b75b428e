package org.ptth.e2e;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.ptth.e2e.harness.FreePorts;
import org.ptth.e2e.harness.ProxyProcess;
import org.ptth.e2e.harness.RelayStatus;
import org.ptth.e2e.harness.ReverseProxy;
import org.ptth.e2e.harness.StandaloneTomcat;
import org.ptth.e2e.harness.TestEnvironment;
import org.ptth.e2e.harness.Transfer;
import org.ptth.e2e.harness.Waits;

/**
 * Every check of {@link ForwardingIT}, with a real reverse proxy between both proxies and the relay:
 * the relay URL the proxies get is the reverse proxy's. One Tomcat serves the whole class; each
 * reverse proxy is started, with its own pair of proxies, for one run of the checks.
 *
 * <p>The configurations are the operator's files of conf/ as they are (only Tomcat's port changed),
 * except {@link Front#NGINX_DEFAULTS}, a bare {@code location / { proxy_pass ...; }}, behind which the
 * proxies run with {@code --upload segments}. Tomcat has conf/remote-ip-valve.xml in its Host, as the
 * operator's guide says for a relay behind a reverse proxy.
 *
 * <p>A few checks concern one front only and are skipped for the others: what default nginx does to a
 * streaming upload, a TLS relay whose certificate the client proxy does not trust, and the caller's
 * address from X-Forwarded-For in the audit log.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ReverseProxyIT.Front.class)
class ReverseProxyIT extends ForwardingIT {

    /** The reverse proxies, each with the settings it is tested with. */
    enum Front {
        NGINX("nginx, conf/nginx-ptth-relay.conf, four-stream"),
        APACHE("Apache httpd, conf/apache-ptth-relay.conf, four-stream"),
        HAPROXY("HAProxy, conf/haproxy-ptth-relay.cfg, four-stream"),
        NGINX_DEFAULTS("nginx with its defaults, proxies with --transport four-stream --upload segments"),
        /** The mux upgrade does not pass (nginx drops Upgrade): auto falls back to four-stream. */
        NGINX_DEFAULTS_AUTO("nginx with its defaults, proxies with the default transport (auto) and --upload segments"),
        NGINX_TLS("nginx over TLS, conf/nginx-ptth-relay.conf, proxies with --ca-file and the default transport (auto: mux)"),
        APACHE_MUX("Apache httpd, conf/apache-ptth-relay.conf, the default transport (auto: mux)"),
        HAPROXY_MUX("HAProxy, conf/haproxy-ptth-relay.cfg, the default transport (auto: mux)"),
        HAPROXY_DUPLEX("HAProxy, conf/haproxy-ptth-relay.cfg, proxies with --transport duplex"),
        /** Fails bulkBothWaysAtOnceThroughOneTunnel (connection reset); docs/reverse-proxies.md. */
        NGINX_DUPLEX("nginx, conf/nginx-ptth-relay.conf, proxies with --transport duplex", false),
        /** mod_proxy_http sends a whole request body before it reads the response: every check fails. */
        APACHE_DUPLEX("Apache httpd, conf/apache-ptth-relay.conf, proxies with --transport duplex", false);

        private final String description;
        /** False for a combination known not to work: it runs only when named in -Dptth.e2e.fronts. */
        private final boolean byDefault;

        Front(final String description) {
            this(description, true);
        }

        Front(final String description, final boolean byDefault) {
            this.description = description;
            this.byDefault = byDefault;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /** The whole configuration behind {@link Front#NGINX_DEFAULTS}: nothing but where to pass requests. */
    private static final String NGINX_DEFAULTS_LOCATION = "location / { proxy_pass http://%s; }";
    private static final String FORWARDED_FOR = "203.0.113.9";
    /** How long a streaming upload behind default nginx is watched for an echo that must not come. */
    private static final Duration STALL = Duration.ofSeconds(5);
    /**
     * The relay's listen.timeout here: shorter than ForwardingIT's, so that the polls a stopped front
     * leaves behind go sooner (see {@link #awaitNoStalePolls()}).
     */
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(5);
    /** A bound on the wait for the polls of an earlier front to go: listen.timeout, and a margin against a hang. */
    private static final Duration STALE_POLLS_BOUND = LISTEN_TIMEOUT.plusSeconds(20);
    /**
     * A comma-separated list of {@link Front} names to run, e.g. -Dptth.e2e.fronts=NGINX,HAPROXY; if
     * unset, all but those known not to work.
     */
    private static final String FRONTS_PROPERTY = "ptth.e2e.fronts";
    private static final Pattern TLS_ERROR = Pattern.compile("(?i)certificat|PKIX|TLS|SSL|trust");

    @Parameter
    Front front;

    private ReverseProxy reverseProxy;
    private ReverseProxy.Tls tls;

    /** One Tomcat for every front; the proxies start per front, in {@link #startFront}. */
    @Override
    @BeforeAll
    void startChain() throws IOException {
        startRelay();
    }

    @Override
    protected StandaloneTomcat.Builder configureTomcat(final StandaloneTomcat.Builder builder) {
        return builder.hostValve(TestEnvironment.confDir().resolve("remote-ip-valve.xml"));
    }

    @BeforeParameterizedClassInvocation
    void startFront() throws IOException {
        final String only = System.getProperty(FRONTS_PROPERTY, "").trim();
        assumeTrue(only.isEmpty() || List.of(only.split(",")).contains(front.name()),
                () -> front.name() + " is not in -D" + FRONTS_PROPERTY + "=" + only);
        assumeTrue(!only.isEmpty() || front.byDefault, () -> front.name() + " is known not to work"
                + " (docs/reverse-proxies.md); run it with -D" + FRONTS_PROPERTY + "=" + front.name());
        awaitNoStalePolls();
        final String tomcatAddress = "127.0.0.1:" + chain().tomcat().port();
        final Path dir = chain().work().resolve(front.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        final String label = front.name().toLowerCase(Locale.ROOT);
        reverseProxy = switch (front) {
            case NGINX, NGINX_DUPLEX -> ReverseProxy.nginx(label, dir,
                    ReverseProxy.snippet("nginx-ptth-relay.conf", tomcatAddress), null);
            case APACHE, APACHE_DUPLEX, APACHE_MUX -> ReverseProxy.apache(label, dir,
                    ReverseProxy.snippet("apache-ptth-relay.conf", tomcatAddress));
            case HAPROXY, HAPROXY_DUPLEX, HAPROXY_MUX -> ReverseProxy.haproxy(label, dir,
                    ReverseProxy.snippet("haproxy-ptth-relay.cfg", tomcatAddress));
            case NGINX_DEFAULTS, NGINX_DEFAULTS_AUTO -> ReverseProxy.nginx(label, dir,
                    String.format(Locale.ROOT, NGINX_DEFAULTS_LOCATION, tomcatAddress), null);
            case NGINX_TLS -> {
                tls = ReverseProxy.Tls.selfSigned(dir.resolve("tls"));
                yield ReverseProxy.nginx(label, dir, ReverseProxy.snippet("nginx-ptth-relay.conf", tomcatAddress), tls);
            }
        };
        System.out.println("front: " + reverseProxy);
        startProxies();
    }

    @AfterParameterizedClassInvocation
    void stopFront() {
        stopProxies();
        if (reverseProxy != null) {
            reverseProxy.close();
            reverseProxy = null;
        }
    }

    /**
     * Waits until the relay holds no listen poll of an earlier front's server proxy. Tomcat does not
     * notice that their connections are gone, and a connect handed to such a poll waits accept.timeout
     * (5 s) per dead poll; with four dead polls per port, longer than connect.wait (10 s), so the next
     * front's first connects would fail. They go at their listen.timeout; a server proxy on mux parks none.
     */
    private void awaitNoStalePolls() {
        final RelayStatus status = chain().status();
        final long start = System.nanoTime();
        Waits.until("the relay to hold no listen poll of an earlier front", STALE_POLLS_BOUND,
                () -> status.read().parkedPolls() == 0, () -> "relay: " + status.read());
        System.out.printf("stale polls of the earlier front gone after %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }

    /** In case an invocation's own stop did not run: the reverse proxy must not outlive the class. */
    @AfterAll
    void stopLastFront() {
        if (reverseProxy != null) {
            reverseProxy.close();
        }
    }

    @AfterEach
    void reverseProxyStillRuns() {
        assertTrue(reverseProxy.isAlive(), () -> "the reverse proxy died\n" + reverseProxy.logTail(40));
    }

    @Override
    protected Duration listenTimeout() {
        return LISTEN_TIMEOUT;
    }

    @Override
    protected URI relayUrl() {
        return reverseProxy.relayBase(chain().tomcat().relayBase().getPath().replace("/", ""));
    }

    @Override
    protected List<String> proxyOptions() {
        return switch (front) {
            // the proxies' default (auto) where a front passes WebSocket: mux, every check of ForwardingIT
            case NGINX_DEFAULTS -> List.of("--transport", "four-stream", "--upload", "segments");
            case NGINX_DEFAULTS_AUTO -> List.of("--upload", "segments");
            case NGINX_TLS -> List.of("--ca-file", tls.certificate().toString());
            case APACHE_MUX, HAPROXY_MUX -> List.of();
            case NGINX_DUPLEX, APACHE_DUPLEX, HAPROXY_DUPLEX -> List.of("--transport", "duplex");
            default -> List.of("--transport", "four-stream");
        };
    }

    // ---- default nginx: what a streaming (not segmented) upload meets

    /**
     * Behind default nginx the mux upgrade reaches the relay without its Upgrade header (nginx speaks
     * HTTP/1.0 upstream and drops hop-by-hop headers); the relay answers 426 and both proxies in auto
     * mode say so in one line and carry every tunnel with four-stream, as every other check of this
     * front shows.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void autoFallsBackToFourStreamBehindDefaultNginx() {
        assumeTrue(front == Front.NGINX_DEFAULTS_AUTO, "only behind nginx with its defaults, in auto mode");
        for (final ProxyProcess proxy : List.of(chain().clientProxy(), chain().serverProxy())) {
            Waits.until(proxy + " to say it falls back to four-stream", Duration.ofSeconds(30),
                    () -> proxy.logText().contains("transport four-stream"), () -> proxy.logTail(20));
            final List<String> lines = proxy.logText().lines().filter(l -> l.contains("transport four-stream"))
                    .collect(Collectors.toList());
            assertEquals(1, lines.size(), proxy.logTail(20));
            assertTrue(lines.get(0).contains("does not pass WebSocket (HTTP 426"), lines.get(0));
        }
    }

    /**
     * Behind default nginx a streaming upstream body reaches the relay only once it has ended: nginx
     * buffers whole request bodies. Bytes sent stay in nginx until the TCP client half-closes; then the
     * whole body goes through at once, and the echo comes back.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void streamingUploadWaitsForItsEndBehindDefaultNginx() throws Exception {
        assumeTrue(front == Front.NGINX_DEFAULTS, "only behind nginx with its defaults");
        final int port = FreePorts.next();
        try (ProxyProcess streaming = chain().clientProxy(PORT, port, List.of());
             Socket socket = connect(port)) {
            final byte[] line = "held by nginx\n".getBytes(US_ASCII);
            final OutputStream out = socket.getOutputStream();
            out.write('E');
            out.write(line);
            out.flush();
            socket.setSoTimeout((int) STALL.toMillis());
            final InputStream in = socket.getInputStream();
            try {
                final int b = in.read();
                fail("the echo came back through default nginx before the upload ended (first byte " + b + ")");
            } catch (final SocketTimeoutException expected) {
                // nothing came back: the upload is still in nginx's request buffer
            }
            socket.setSoTimeout(60_000);
            socket.shutdownOutput();
            assertArrayEquals(line, in.readNBytes(line.length), "the echo, once the upload has ended");
            assertEquals(-1, in.read(), "the echo ends after the client's end");
            assertTrue(streaming.isAlive(), () -> "the client proxy died\n" + streaming.logTail(40));
        }
    }

    /**
     * Behind default nginx a streaming upstream body of more than client_max_body_size (1 MiB) is
     * refused with 413 and the rest of it discarded: nothing reaches the TCP server. The client proxy
     * reads that answer only once its body has ended (after the TCP client's half-close); then it cuts
     * the tunnel and closes the TCP client's connection.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void streamingUploadOverOneMebibyteIsCutByDefaultNginx() throws Exception {
        assumeTrue(front == Front.NGINX_DEFAULTS, "only behind nginx with its defaults");
        final int port = FreePorts.next();
        try (ProxyProcess streaming = chain().clientProxy(PORT, port, List.of());
             Socket socket = connect(port)) {
            final OutputStream out = socket.getOutputStream();
            try {
                out.write('E');
                out.write(Transfer.randomBytes(2 * 1024 * 1024, 11));
                out.flush();
                socket.shutdownOutput();
            } catch (final IOException e) {
                // closed while writing: the tunnel is already cut
            }
            socket.setSoTimeout(30_000);
            long echoed = 0;
            try {
                echoed = Transfer.readToEnd(socket.getInputStream()).bytes();
            } catch (final SocketTimeoutException e) {
                fail("a streaming upload of 2 MiB through default nginx: still open 30 s after the half-close");
            } catch (final IOException e) {
                // reset: closed, as expected
            }
            assertEquals(0, echoed, "bytes echoed of an upload that nginx refused");
            // nginx writes the access line once the request is over, after its lingering close of
            // the refused body, which can come after the client saw the end
            Waits.until("nginx to log the 413", Duration.ofSeconds(30),
                    () -> reverseProxy.accessLog().contains("\" 413 "),
                    () -> "nginx logged no 413\n" + reverseProxy.logTail(20));
            assertTrue(streaming.isAlive(), () -> "the client proxy died\n" + streaming.logTail(40));
        }
    }

    // ---- TLS

    /**
     * A client proxy without --ca-file does not trust the self-signed certificate: it closes the TCP
     * client's connection and logs one line that says why, no stack trace.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void withoutCaFileTheClientProxyRefusesTheCertificate() throws Exception {
        assumeTrue(front == Front.NGINX_TLS, "only behind nginx over TLS");
        final int port = FreePorts.next();
        final int accessLogBefore = reverseProxy.accessLog().length();
        try (ProxyProcess untrusting = chain().clientProxy(PORT, port, List.of())) {
            try (Socket socket = connect(port)) {
                try {
                    socket.getOutputStream().write("Ehello?\n".getBytes(US_ASCII));
                    socket.getOutputStream().flush();
                } catch (final IOException e) {
                    // already closed: fine
                }
                assertClosedWithin(socket, Duration.ofSeconds(30), "a connection through an untrusted TLS relay");
            }
            Waits.until("the client proxy to log a TLS error", Duration.ofSeconds(10),
                    () -> TLS_ERROR.matcher(untrusting.logText()).find(), () -> untrusting.logTail(40));
            final String log = untrusting.logText();
            final List<String> traceLines = log.lines()
                    .filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by:")).collect(Collectors.toList());
            assertEquals(List.of(), traceLines, "stack trace lines in the client proxy's log:\n" + log);
            System.out.println("client proxy without --ca-file logged:\n" + log);
            final String requests = reverseProxy.accessLog().substring(accessLogBefore);
            assertFalse(requests.contains("/connect/"),
                    () -> "a connect went through although the certificate is not trusted\n" + requests);
        }
    }

    // ---- X-Forwarded-For

    /**
     * The caller's address, as nginx passes it in X-Forwarded-For, is the one the relay's audit log shows
     * (Tomcat's RemoteIpValve, conf/remote-ip-valve.xml, trusts nginx on 127.0.0.1).
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void auditLogShowsTheAddressFromXForwardedFor() throws Exception {
        assumeTrue(front == Front.NGINX, "only behind nginx");
        final String key = Files.readString(chain().clientKey(), StandardCharsets.US_ASCII).trim();
        final HttpRequest connect = HttpRequest.newBuilder(relayUrl().resolve("v1/" + SERVER + "/connect/"
                        + REFUSING_PORT))
                .header("Authorization", "Bearer " + key)
                .header("X-Forwarded-For", FORWARDED_FOR)
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        final HttpResponse<String> response = http.send(connect, HttpResponse.BodyHandlers.ofString());
        assertEquals(502, response.statusCode(),
                "a connect to a port whose target refuses, through nginx: " + response.body());
        final String expected = "tunnel refused: client " + CLIENT + " from " + FORWARDED_FOR + " ";
        Waits.until("the audit line \"" + expected + "...\"", Duration.ofSeconds(10),
                () -> chain().tomcat().consoleText().contains(expected), () -> chain().tomcat().consoleTail(20));
    }
}
