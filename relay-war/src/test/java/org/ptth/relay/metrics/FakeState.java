package org.ptth.relay.metrics;

import org.ptth.relay.config.ConfigException;
import org.ptth.relay.config.ConfigParser;
import org.ptth.relay.config.ConfigWatcher;
import org.ptth.relay.config.RelayConfig;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** A relay's state as a test sets it: a configuration from text, polls and listeners by hand. */
final class FakeState implements RelayState {
    static final String CONFIG = String.join("\n",
            "server.office.key-sha256=" + "1".repeat(64),
            "server.lab.key-sha256=" + "2".repeat(64),
            "client.laptop.key-sha256=" + "3".repeat(64),
            "client.laptop.allow=office/ssh,lab/*",
            "");
    final RelayConfig config;
    final Map<String, Map<String, Integer>> polls = new TreeMap<>();
    final Map<String, Map<String, Integer>> mux = new TreeMap<>();

    FakeState() throws ConfigException {
        config = ConfigParser.parse(new StringReader(CONFIG), "test");
    }

    @Override
    public RelayConfig config() {
        return config;
    }

    @Override
    public Path configFile() {
        return Path.of("/etc/ptth-relay.properties");
    }

    @Override
    public ConfigWatcher.History configHistory() {
        return new ConfigWatcher.History(2, 1, 1000, 2000, "bad <edit>");
    }

    @Override
    public Map<String, Map<String, Integer>> parkedPolls() {
        return polls;
    }

    @Override
    public Map<String, Map<String, Integer>> muxListeners() {
        return mux;
    }

    @Override
    public int muxConnections(final boolean servers) {
        return servers ? 1 : 2;
    }

    @Override
    public long spliceBufferBytes() {
        return 8192;
    }

    @Override
    public long muxBufferBytes() {
        return 4096;
    }
}
