package org.ptth.bench.chain;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ptth.bench.probes.Command;

/**
 * The proxies of one ptth way, started the way a user starts them: the scripts/ptth-proxy launcher
 * with no JAVA_OPTS and every option at its default but {@code --transport}. One server proxy exposes
 * every service; one client proxy per service (a client proxy forwards one port).
 */
public final class Ptth {

    private final long serverPid;
    private final Map<String, Long> clientPids;
    private final Map<String, Integer> ports;

    private Ptth(final long serverPid, final Map<String, Long> clientPids, final Map<String, Integer> ports) {
        this.serverPid = serverPid;
        this.clientPids = clientPids;
        this.ports = ports;
    }

    public long serverPid() {
        return serverPid;
    }

    public long clientPid(final String service) {
        return clientPids.get(service);
    }

    /** The client proxies' listening port per service. */
    public Map<String, Integer> ports() {
        return ports;
    }

    /** Keys and relay configuration of a run: one key per server name, one client key allowed to all of them. */
    public record Keys(Path config, String adminKey, Map<String, Path> servers, Path client) {
    }

    public static final String CLIENT = "bencher";

    /**
     * Writes the relay's configuration with {@code settings} and keys for {@code servers}, made with the
     * proxies' own keygen; the admin key (for the status endpoint) is random.
     */
    public static Keys keys(final Path launcher, final Path jar, final Path dir, final List<String> servers,
                            final Map<String, String> settings) throws IOException {
        Files.createDirectories(dir);
        final StringBuilder config = new StringBuilder("# the relay configuration of scripts/bench\n");
        settings.forEach((k, v) -> config.append(k).append('=').append(v).append('\n'));
        final byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        final String admin = java.util.HexFormat.of().formatHex(random);
        config.append("admin.key-sha256=").append(sha256(admin)).append('\n');
        final Map<String, Path> serverKeys = new LinkedHashMap<>();
        final List<String> allow = new ArrayList<>();
        for (final String s : servers) {
            final Path key = dir.resolve(s + ".server.key");
            Files.deleteIfExists(key);
            config.append(keygen(launcher, jar, List.of("--server", s, "--out", key.toString())));
            serverKeys.put(s, key);
            allow.add("--allow");
            allow.add(s);
        }
        final Path client = dir.resolve(CLIENT + ".client.key");
        Files.deleteIfExists(client);
        final List<String> args = new ArrayList<>(List.of("--client", CLIENT));
        args.addAll(allow);
        args.addAll(List.of("--out", client.toString()));
        config.append(keygen(launcher, jar, args));
        final Path file = dir.resolve("relay.properties");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        return new Keys(file, admin, serverKeys, client);
    }

    private static String keygen(final Path launcher, final Path jar, final List<String> args) throws IOException {
        final List<String> command = new ArrayList<>(List.of(launcher.toString(), "keygen"));
        command.addAll(args);
        final Command.Outcome o = Command.outcome(command, Map.of("PTTH_PROXY_JAR", jar.toString()), 60);
        if (o.status() != 0) {
            throw new IOException("ptth-proxy keygen failed: " + Command.tail(o.output()));
        }
        // keygen prints the config lines on stdout and a note on stderr; keep the config lines
        final StringBuilder lines = new StringBuilder();
        o.output().lines().filter(l -> l.matches("(server|client|admin)\\.[^=]+=.*")).forEach(l -> lines.append(l)
                .append('\n'));
        return lines.toString();
    }

    private static String sha256(final String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (final java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts the server proxy ({@code name}) exposing {@code services} and a client proxy for each,
     * through {@code relay}, and returns once every client proxy listens.
     */
    public static Ptth start(final Processes processes, final String label, final Path launcher, final Path jar,
                             final URI relay, final Keys keys, final String name, final String transport,
                             final Map<String, Integer> services) throws IOException {
        final Map<String, String> env = Map.of("PTTH_PROXY_JAR", jar.toString());
        final List<String> server = new ArrayList<>(List.of(launcher.toString(), "server", "--relay", relay.toString(),
                "--key-file", keys.servers().get(name).toString(), "--name", name, "--transport", transport));
        services.forEach((port, target) -> {
            server.add("--expose");
            server.add(port + "=127.0.0.1:" + target);
        });
        final Process sp = processes.start(label + "-server-proxy", server, env, null);
        final Map<String, Long> clients = new LinkedHashMap<>();
        final Map<String, Integer> ports = new LinkedHashMap<>();
        final int[] free = Processes.freePorts(services.size());
        int i = 0;
        for (final String service : services.keySet()) {
            final int port = free[i++];
            final String log = label + "-client-proxy-" + service;
            final Process cp = processes.start(log, List.of(launcher.toString(), "client", "--relay",
                    relay.toString(), "--key-file", keys.client().toString(), "--server", name, "--port", service,
                    "--listen", "127.0.0.1:" + port, "--transport", transport), env, null);
            Processes.await("the client proxy for " + service, 60, cp, processes.log(log),
                    () -> Processes.listening(port));
            clients.put(service, cp.pid());
            ports.put(service, port);
        }
        if (!sp.isAlive()) {
            throw new IOException("the server proxy exited with " + sp.exitValue() + "; see "
                    + processes.log(label + "-server-proxy"));
        }
        return new Ptth(sp.pid(), clients, ports);
    }

    /** The --transport values this proxy build offers, read from its own help (e.g. four-stream, duplex). */
    public static List<String> transports(final Path launcher, final Path jar) throws IOException {
        final Command.Outcome o = Command.outcome(List.of(launcher.toString(), "client", "--help"),
                Map.of("PTTH_PROXY_JAR", jar.toString()), 60);
        return transportsIn(o.output());
    }

    static List<String> transportsIn(final String help) throws IOException {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("--transport <([a-z0-9|-]+)>").matcher(help);
        if (!m.find()) {
            throw new IOException("the client proxy's help names no --transport values: " + Command.tail(help));
        }
        return List.of(m.group(1).split("\\|"));
    }
}
