package org.ptth.e2e.harness;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The whole chain of a tunnel: a TCP target in this JVM, the relay WAR in a standalone Tomcat,
 * a server proxy exposing the target and a client proxy listening on a free port of 127.0.0.1.
 * The builder holds what the tests vary (Tomcat, relay settings, heartbeat, each proxy's options);
 * {@link Builder#start()} starts it all, {@link Builder#startRelay()} all but the two proxies.
 *
 * <p>{@link #close()} stops everything, prints Tomcat's problem lines and the work directory, and
 * fails if a part would not stop; {@link #logTails(int)} is what a failing check prints.
 */
public final class Chain implements AutoCloseable {

    /** The relay settings every chain starts from; {@link Builder#relay(String, String)} overrides one. */
    private static final List<Map.Entry<String, String>> RELAY_DEFAULTS = List.of(
            Map.entry("listen.timeout", "20s"),
            Map.entry("connect.wait", "10s"),
            Map.entry("accept.timeout", "5s"),
            Map.entry("idle.timeout", "90s"));

    private final Builder settings;
    private final Path work;
    private final Path logs;
    private final Path jar;
    private TcpTestServer target;
    private Path serverKey;
    private Path clientKey;
    private StandaloneTomcat tomcat;
    private RelayStatus status;
    private URI relayUrl;
    private List<String> clientOptions;
    private List<String> serverOptions;
    private ProxyProcess serverProxy;
    private ProxyProcess clientProxy;
    private int clientPort;

    private Chain(final Builder settings) throws IOException {
        this.settings = settings;
        this.jar = TestEnvironment.proxyJar();
        this.work = TestEnvironment.newWorkDir(settings.name);
        this.logs = work.resolve("logs");
        this.clientOptions = settings.clientOptions;
        this.serverOptions = settings.serverOptions;
    }

    /**
     * @param name   the work directory's name (a test class's simple name)
     * @param target what the TCP target does with each connection the server proxy makes to it
     */
    public static Builder builder(final String name, final TcpTestServer.Handler target) {
        return new Builder(name, target);
    }

    private void startRelay() throws IOException {
        target = TcpTestServer.start(settings.name + "-target", settings.target);
        final RelayConfig config = RelayConfig.create(work.resolve("relay.properties"));
        final Map<String, String> relaySettings = new LinkedHashMap<>();
        RELAY_DEFAULTS.forEach(setting -> relaySettings.put(setting.getKey(), setting.getValue()));
        relaySettings.putAll(settings.relay);
        for (final Map.Entry<String, String> setting : relaySettings.entrySet()) {
            config.set(setting.getKey(), setting.getValue());
        }
        final String adminKey = settings.status ? RelayStatus.enable(config) : null;
        final Keys keys = new Keys(jar, work.resolve("keys"), config);
        serverKey = keys.server(settings.serverName);
        clientKey = keys.client(settings.clientName, settings.serverName);
        tomcat = settings.tomcatSetup.apply(StandaloneTomcat.builder(settings.tomcat, work.resolve("tomcat"))
                .war(TestEnvironment.relayWar())
                .relayConfig(config.file())
                .connectionTimeoutMillis(settings.connectionTimeoutMillis))
                .start();
        status = adminKey == null ? null : new RelayStatus(tomcat.relayBase(), adminKey);
        relayUrl = tomcat.relayBase();
        System.out.println("work directory of this run: " + work);
    }

    /**
     * Starts the server proxy (the port to the target, and the refusing port if there is one) and the
     * client proxy of the port, both given {@code url} as the relay's and the options given here, which
     * {@link #clientProxy(String, int)} and {@link #serverProxy(Map)} use from now on too.
     */
    public void startProxies(final URI url, final List<String> clientOptions, final List<String> serverOptions)
            throws IOException {
        this.relayUrl = url;
        this.clientOptions = List.copyOf(clientOptions);
        this.serverOptions = List.copyOf(serverOptions);
        final Map<String, String> exposes = new LinkedHashMap<>();
        exposes.put(settings.port, target.address());
        if (settings.refusingPort != null) {
            exposes.put(settings.refusingPort, "127.0.0.1:" + FreePorts.closed());
        }
        serverProxy = serverProxy(exposes);
        clientPort = FreePorts.next();
        clientProxy = clientProxy(settings.port, clientPort);
    }

    /** Stops the two proxies {@link #startProxies} started, so that they can start again (with another URL). */
    public void stopProxies() {
        for (final ProxyProcess proxy : new ProxyProcess[] {clientProxy, serverProxy}) {
            if (proxy != null) {
                proxy.close();
            }
        }
        clientProxy = null;
        serverProxy = null;
    }

    /** Another server proxy of this chain's server, exposing {@code exposes}; the caller closes it. */
    public ProxyProcess serverProxy(final Map<String, String> exposes) throws IOException {
        return ProxyProcess.server(jar, logs, relayUrl, serverKey, settings.serverName, exposes,
                settings.heartbeatSeconds, serverOptions);
    }

    /** Another client proxy for port name {@code portName}, listening on {@code port}; the caller closes it. */
    public ProxyProcess clientProxy(final String portName, final int port) throws IOException {
        return clientProxy(portName, port, clientOptions);
    }

    /** {@link #clientProxy(String, int)} with other options than the chain's client proxy has. */
    public ProxyProcess clientProxy(final String portName, final int port, final List<String> options)
            throws IOException {
        return ProxyProcess.client(jar, logs, relayUrl, clientKey, settings.serverName, portName, port,
                settings.heartbeatSeconds, options);
    }

    public TcpTestServer target() {
        return target;
    }

    public StandaloneTomcat tomcat() {
        return tomcat;
    }

    /** The relay's status endpoint, if the builder asked for it with {@link Builder#status()}. */
    public RelayStatus status() {
        if (status == null) {
            throw new IllegalStateException("this chain was built without the status endpoint");
        }
        return status;
    }

    public ProxyProcess clientProxy() {
        return clientProxy;
    }

    public ProxyProcess serverProxy() {
        return serverProxy;
    }

    /** Where the client proxy started by {@link #startProxies} listens on 127.0.0.1. */
    public int clientPort() {
        return clientPort;
    }

    public Path work() {
        return work;
    }

    public Path clientKey() {
        return clientKey;
    }

    /** The last lines of the two proxies' logs and of Tomcat's console, for a failure's message. */
    public String logTails(final int lines) {
        final List<String> tails = new ArrayList<>();
        for (final ProxyProcess proxy : new ProxyProcess[] {clientProxy, serverProxy}) {
            if (proxy != null) {
                tails.add(proxy.logTail(lines));
            }
        }
        if (tomcat != null) {
            tails.add(tomcat.consoleTail(lines));
        }
        return String.join("\n", tails);
    }

    /** Stops the proxies, Tomcat and the target; every one is tried, and a failure to stop is thrown at the end. */
    @Override
    public void close() {
        final List<Throwable> failures = new ArrayList<>();
        for (final AutoCloseable part : new AutoCloseable[] {clientProxy, serverProxy, tomcat, target}) {
            if (part == null) {
                continue;
            }
            try {
                part.close();
            } catch (final Exception | Error e) {
                failures.add(e);
            }
        }
        if (tomcat != null) {
            final List<String> problems = tomcat.problemLines();
            System.out.println(problems.isEmpty() ? "Tomcat logged no SEVERE record nor leak warning"
                    : "Tomcat logged problems (" + tomcat.consoleLog() + "):\n" + String.join("\n", problems));
        }
        System.out.println("work directory of this run: " + work);
        if (!failures.isEmpty()) {
            final AssertionError e = new AssertionError("stopping the chain failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    /** What a chain is built of; every setting has a default but the name and the target. */
    public static final class Builder {
        private final String name;
        private final TcpTestServer.Handler target;
        private final Map<String, String> relay = new LinkedHashMap<>();
        private String serverName = "e2e-server";
        private String clientName = "e2e-client";
        private String port = "test";
        private String refusingPort;
        private Path tomcat = TestEnvironment.tomcat10Home();
        private UnaryOperator<StandaloneTomcat.Builder> tomcatSetup = UnaryOperator.identity();
        private int connectionTimeoutMillis = 3_000;
        private boolean status;
        private int heartbeatSeconds = 1;
        private List<String> clientOptions = List.of();
        private List<String> serverOptions = List.of();

        private Builder(final String name, final TcpTestServer.Handler target) {
            this.name = name;
            this.target = target;
        }

        /** The server's name and the client's, as their keys name them. */
        public Builder names(final String server, final String client) {
            this.serverName = server;
            this.clientName = client;
            return this;
        }

        /** The port name the server proxy exposes the target as, and the client proxy asks for. */
        public Builder port(final String portName) {
            this.port = portName;
            return this;
        }

        /** A second port name, exposed as a port of 127.0.0.1 where nothing listens. */
        public Builder refusingPort(final String portName) {
            this.refusingPort = portName;
            return this;
        }

        /** The Tomcat distribution to run the relay in (Tomcat 10.1 unless said). */
        public Builder tomcat(final Path distribution) {
            this.tomcat = distribution;
            return this;
        }

        /** More for the Tomcat (a Valve, say) before it starts. */
        public Builder tomcatSetup(final UnaryOperator<StandaloneTomcat.Builder> setup) {
            this.tomcatSetup = setup;
            return this;
        }

        /** Tomcat's connectionTimeout, the read timeout of every call to the relay (3 s unless said). */
        public Builder connectionTimeoutMillis(final int millis) {
            this.connectionTimeoutMillis = millis;
            return this;
        }

        /** One relay setting, over the chain's defaults (listen.timeout 20s, connect.wait 10s, ...). */
        public Builder relay(final String key, final String value) {
            relay.put(key, value);
            return this;
        }

        /** An admin key, so that {@link Chain#status()} reads the relay's figures. */
        public Builder status() {
            this.status = true;
            return this;
        }

        /** Both proxies' --heartbeat (1 s unless said). */
        public Builder heartbeatSeconds(final int seconds) {
            this.heartbeatSeconds = seconds;
            return this;
        }

        /** Options of the client proxy and of the server proxy (a transport, say); none unless said. */
        public Builder proxyOptions(final List<String> client, final List<String> server) {
            this.clientOptions = List.copyOf(client);
            this.serverOptions = List.copyOf(server);
            return this;
        }

        /** The target, the relay's configuration and keys, and Tomcat: all but the two proxies. */
        public Chain startRelay() throws IOException {
            final Chain chain = new Chain(this);
            try {
                chain.startRelay();
                return chain;
            } catch (final IOException | RuntimeException | Error e) {
                closeAfterFailedStart(chain, e);
                throw e;
            }
        }

        /** The whole chain, the proxies given Tomcat's relay URL. */
        public Chain start() throws IOException {
            final Chain chain = startRelay();
            try {
                chain.startProxies(chain.relayUrl, clientOptions, serverOptions);
                return chain;
            } catch (final IOException | RuntimeException | Error e) {
                closeAfterFailedStart(chain, e);
                throw e;
            }
        }

        private static void closeAfterFailedStart(final Chain chain, final Throwable failure) {
            try {
                chain.close();
            } catch (final RuntimeException | Error e) {
                failure.addSuppressed(e);
            }
        }
    }
}
