package org.ptth.relay.config;

import org.ptth.relay.auth.KeyAuthenticator;
import org.ptth.relay.auth.Principal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One valid configuration, immutable: who may call, who may reach what, timeouts and limits. */
public final class RelayConfig {
    private final Map<String, Principal> servers;
    private final Map<String, Principal> clients;
    private final Map<String, Set<String>> allowedTargets;
    private final Timeouts timeouts;
    private final Limits limits;
    private final Mux mux;
    private final KeyAuthenticator authenticator;
    private final KeyAuthenticator adminAuthenticator;
    private final KeyAuthenticator metricsAuthenticator;

    /** Timeouts of the relay's side of the protocol (see docs/protocol.md). */
    public record Timeouts(Duration listen, Duration connectWait, Duration accept, Duration idle) {
    }

    /** Limits that keep one principal from taking the relay for itself. */
    public record Limits(int listensPerServer, int pendingConnectsPerServer, int tunnelsPerClient, int tunnels,
                         long bufferMax) {
    }

    /**
     * The multiplexed transport's settings: how long a silent connection lives, how many bytes the
     * relay may hold queued for all mux connections before it holds credit back, how many mux
     * connections one principal may keep, and how long tunnels may finish when the relay stops.
     */
    public record Mux(Duration peerTimeout, long bufferMax, int connectionsPerPrincipal, Duration shutdownGrace) {
        /** A quarter of the heap the JVM may grow to, at most 256 MiB. */
        public static long defaultBufferMax() {
            return Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4);
        }
    }

    RelayConfig(final Map<String, Principal> servers, final Map<String, Principal> clients,
                final Map<String, Set<String>> allowedTargets, final Timeouts timeouts, final Limits limits,
                final Mux mux, final String adminKeyHash, final String metricsKeyHash) {
        this.servers = Map.copyOf(servers);
        this.clients = Map.copyOf(clients);
        this.allowedTargets = Map.copyOf(allowedTargets);
        this.timeouts = timeouts;
        this.limits = limits;
        this.mux = mux;
        this.authenticator = new KeyAuthenticator(
                java.util.stream.Stream.concat(servers.values().stream(), clients.values().stream()).toList());
        this.adminAuthenticator = adminKeyHash == null ? null
                : new KeyAuthenticator(List.of(new Principal(Principal.Kind.CLIENT, "admin", adminKeyHash)));
        this.metricsAuthenticator = metricsKeyHash == null ? null
                : new KeyAuthenticator(List.of(new Principal(Principal.Kind.CLIENT, "metrics", metricsKeyHash)));
    }

    /** Checks the bearer key of GET /metrics; null when no metrics.key-sha256 is configured. */
    public KeyAuthenticator metricsAuthenticator() {
        return metricsAuthenticator;
    }

    /** Checks the key of the status endpoint; null when no admin key is configured. */
    public KeyAuthenticator adminAuthenticator() {
        return adminAuthenticator;
    }

    public KeyAuthenticator authenticator() {
        return authenticator;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    public Limits limits() {
        return limits;
    }

    public Mux mux() {
        return mux;
    }

    /** True when the principal, with the very same key, is still configured. */
    public boolean stillValid(final Principal principal) {
        final Map<String, Principal> byName = principal.isServer() ? servers : clients;
        return principal.equals(byName.get(principal.name()));
    }

    /** Whether the client may reach the port of the server; "server/*" allows every port. */
    public boolean allows(final Principal client, final String server, final String port) {
        final Set<String> targets = allowedTargets.getOrDefault(client.name(), Set.of());
        return servers.containsKey(server) && (targets.contains(server + "/*") || targets.contains(server + "/" + port));
    }

    public List<String> serverNames() {
        return List.copyOf(servers.keySet());
    }

    /** The ports the allow lists name for this server, "*" left out: the port names metrics may use as labels. */
    public Set<String> portsNamedFor(final String server) {
        final Set<String> ports = new java.util.TreeSet<>();
        for (final Set<String> targets : allowedTargets.values()) {
            for (final String target : targets) {
                final int slash = target.indexOf('/');
                if (target.substring(0, slash).equals(server) && !target.endsWith("/*")) {
                    ports.add(target.substring(slash + 1));
                }
            }
        }
        return ports;
    }

    public boolean hasServer(final String name) {
        return servers.containsKey(name);
    }

    public List<String> clientNames() {
        return List.copyOf(clients.keySet());
    }
}
