package org.ptth.relay.config;

import org.ptth.protocol.Names;
import org.ptth.relay.auth.Principal;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the relay's properties file (format in conf/ptth-relay.properties). Strict on purpose: an
 * unknown setting is a typo that would otherwise silently leave a default or a door open.
 */
public final class ConfigParser {
    private static final Pattern PRINCIPAL_KEY = Pattern.compile("(server|client)\\.(.+)\\.(key-sha256|allow)");
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*([kmg])?", Pattern.CASE_INSENSITIVE);

    private ConfigParser() {
    }

    public static RelayConfig parse(final Path file) throws ConfigException {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e);
        }
        return parse(new StringReader(text), file.toString());
    }

    public static RelayConfig parse(final Reader reader, final String source) throws ConfigException {
        final Properties props = new Properties();
        try {
            props.load(reader);
        } catch (final IOException | IllegalArgumentException e) {
            throw new ConfigException(source + ": not a valid properties file: " + e.getMessage());
        }
        final Map<String, Principal> servers = new LinkedHashMap<>();
        final Map<String, Principal> clients = new LinkedHashMap<>();
        final Map<String, Set<String>> allows = new HashMap<>();
        final Map<String, String> hashOwners = new HashMap<>();
        final Map<String, String> settings = new HashMap<>();

        for (final String key : props.stringPropertyNames()) {
            final String value = props.getProperty(key).strip();
            final Matcher m = PRINCIPAL_KEY.matcher(key);
            if (!m.matches()) {
                settings.put(key, value);
                continue;
            }
            final boolean server = m.group(1).equals("server");
            final String name = m.group(2);
            if (!Names.isValid(name)) {
                throw new ConfigException(source + ": " + key + ": '" + name + "' is not a valid name (" + Names.RULE + ")");
            }
            if (m.group(3).equals("allow")) {
                if (server) {
                    throw new ConfigException(source + ": " + key + ": only clients have an allow list");
                }
                allows.put(name, parseAllow(source, key, value));
                continue;
            }
            if (!HEX_SHA256.matcher(value).matches()) {
                throw new ConfigException(source + ": " + key + ": expected 64 lowercase hex characters (the SHA-256 "
                        + "printed by 'ptth-proxy keygen'), never the key itself");
            }
            final String previous = hashOwners.put(value, key);
            if (previous != null) {
                throw new ConfigException(source + ": " + key + " and " + previous + " have the same key hash");
            }
            final Principal p = new Principal(server ? Principal.Kind.SERVER : Principal.Kind.CLIENT, name, value);
            (server ? servers : clients).put(name, p);
        }
        for (final String client : allows.keySet()) {
            if (!clients.containsKey(client)) {
                throw new ConfigException(source + ": client." + client + ".allow has no client." + client + ".key-sha256");
            }
        }
        final RelayConfig.Timeouts timeouts = new RelayConfig.Timeouts(
                duration(source, settings, "listen.timeout", Duration.ofSeconds(30)),
                duration(source, settings, "connect.wait", Duration.ofSeconds(10)),
                duration(source, settings, "accept.timeout", Duration.ofSeconds(5)),
                duration(source, settings, "idle.timeout", Duration.ofSeconds(90)));
        final RelayConfig.Limits limits = new RelayConfig.Limits(
                count(source, settings, "limit.listens-per-server", 256),
                count(source, settings, "limit.pending-connects-per-server", 256),
                count(source, settings, "limit.tunnels-per-client", 1024),
                count(source, settings, "limit.tunnels", 8192),
                size(source, settings, "buffer.max", RelayConfig.Mux.defaultBufferMax()));
        final RelayConfig.Mux mux = new RelayConfig.Mux(
                duration(source, settings, "mux.peer-timeout", Duration.ofSeconds(45)),
                size(source, settings, "mux.buffer.max", RelayConfig.Mux.defaultBufferMax()),
                count(source, settings, "limit.mux-connections-per-principal", 16),
                duration(source, settings, "shutdown.grace", Duration.ofSeconds(10)));
        final String admin = settings.remove("admin.key-sha256");
        if (admin != null && !HEX_SHA256.matcher(admin).matches()) {
            throw new ConfigException(source + ": admin.key-sha256: expected 64 lowercase hex characters");
        }
        if (admin != null && hashOwners.containsKey(admin)) {
            throw new ConfigException(source + ": admin.key-sha256 is also the hash of " + hashOwners.get(admin));
        }
        final String metrics = settings.remove("metrics.key-sha256");
        if (metrics != null && !HEX_SHA256.matcher(metrics).matches()) {
            throw new ConfigException(source + ": metrics.key-sha256: expected 64 lowercase hex characters");
        }
        if (metrics != null && (hashOwners.containsKey(metrics) || metrics.equals(admin))) {
            throw new ConfigException(source + ": metrics.key-sha256 is also the hash of "
                    + (metrics.equals(admin) ? "admin.key-sha256" : hashOwners.get(metrics)));
        }
        if (!settings.isEmpty()) {
            throw new ConfigException(source + ": unknown setting '" + settings.keySet().iterator().next()
                    + "' (see conf/ptth-relay.properties for the settings there are)");
        }
        return new RelayConfig(servers, clients, allows, timeouts, limits, mux, admin, metrics);
    }

    private static Set<String> parseAllow(final String source, final String key, final String value) throws ConfigException {
        final Set<String> targets = new HashSet<>();
        for (final String item : value.split(",")) {
            final String target = item.strip();
            if (target.isEmpty()) {
                continue;
            }
            final int slash = target.indexOf('/');
            final String server = slash < 0 ? target : target.substring(0, slash);
            final String port = slash < 0 ? "*" : target.substring(slash + 1);
            if (!Names.isValid(server) || !(port.equals("*") || Names.isValid(port))) {
                throw new ConfigException(source + ": " + key + ": '" + target + "' is not SERVER, SERVER/PORT or SERVER/*");
            }
            targets.add(server + "/" + port);
        }
        return targets;
    }

    private static Duration duration(final String source, final Map<String, String> settings, final String key,
                                     final Duration fallback) throws ConfigException {
        final String value = settings.remove(key);
        if (value == null) {
            return fallback;
        }
        final Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new ConfigException(source + ": " + key + ": '" + value + "' is not a duration such as 30s, 500ms, 2m");
        }
        final long n = Long.parseLong(m.group(1));
        final String unit = m.group(2) == null ? "s" : m.group(2);
        final Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero()) {
            throw new ConfigException(source + ": " + key + ": must be more than zero");
        }
        return d;
    }

    /** A byte count: a whole number, optionally with k, m or g (KiB, MiB, GiB). */
    private static long size(final String source, final Map<String, String> settings, final String key,
                             final long fallback) throws ConfigException {
        final String value = settings.remove(key);
        if (value == null) {
            return fallback;
        }
        final Matcher m = SIZE.matcher(value);
        if (!m.matches()) {
            throw new ConfigException(source + ": " + key + ": '" + value + "' is not a size such as 64m, 512k, 1g");
        }
        final long n = Long.parseLong(m.group(1));
        final int shift = m.group(2) == null ? 0 : switch (Character.toLowerCase(m.group(2).charAt(0))) {
            case 'k' -> 10;
            case 'm' -> 20;
            default -> 30;
        };
        if (n < 1 || n > (Long.MAX_VALUE >> shift)) {
            throw new ConfigException(source + ": " + key + ": '" + value + "' must be more than zero");
        }
        return n << shift;
    }

    private static int count(final String source, final Map<String, String> settings, final String key,
                             final int fallback) throws ConfigException {
        final String value = settings.remove(key);
        if (value == null) {
            return fallback;
        }
        try {
            final int n = Integer.parseInt(value);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (final NumberFormatException e) {
            throw new ConfigException(source + ": " + key + ": '" + value + "' is not a positive whole number");
        }
    }
}
