package org.ptth.bench.measure;

import java.util.Map;

/**
 * One way from the bench's clients to the services: its column in the table and the local port per
 * service; for a ptth way, the processes whose cost is measured (0 for a baseline).
 */
public record Way(String column, Map<String, Integer> ports, long relayPid, long serverPid,
                  Map<String, Long> clientPids) {

    public static Way baseline(final String column, final Map<String, Integer> ports) {
        return new Way(column, ports, 0, 0, Map.of());
    }

    public boolean isPtth() {
        return relayPid != 0;
    }

    public int port(final String service) {
        final Integer p = ports.get(service);
        if (p == null) {
            throw new IllegalStateException(column + " has no way to " + service);
        }
        return p;
    }

    public boolean has(final String service) {
        return ports.containsKey(service);
    }
}
