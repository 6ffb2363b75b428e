package org.ptth.relay.metrics;

import org.ptth.relay.config.ConfigWatcher;
import org.ptth.relay.config.RelayConfig;

import java.nio.file.Path;
import java.util.Map;

/** What the metrics read from the relay when they are looked at: its state now, not its events. */
public interface RelayState {
    /** The configuration in force; null while there is none. */
    RelayConfig config();

    Path configFile();

    ConfigWatcher.History configHistory();

    /** Listen polls parked now: server, then port, then how many (names as the calls gave them). */
    Map<String, Map<String, Integer>> parkedPolls();

    /** Mux server connections that listen now: server, then port, then how many connections. */
    Map<String, Map<String, Integer>> muxListeners();

    /** Mux connections now, of server proxies or of client proxies. */
    int muxConnections(boolean servers);

    /** What the four-stream and duplex tunnels' buffers hold beyond their first 8 KiB (against buffer.max). */
    long spliceBufferBytes();

    /** What is queued for mux connections (against mux.buffer.max). */
    long muxBufferBytes();
}
