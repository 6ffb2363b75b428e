package org.ptth.relay.registry;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay's four-stream and duplex tunnels: every one that lives, and by connection ID the one
 * offered or open under it. A tunnel enters and leaves on its own transitions.
 */
final class TunnelIndex {
    private final Map<String, Tunnel> byId = new ConcurrentHashMap<>();
    private final Set<Tunnel> live = ConcurrentHashMap.newKeySet();

    void add(final Tunnel t) {
        live.add(t);
    }

    void named(final String id, final Tunnel t) {
        byId.put(id, t);
    }

    void unnamed(final String id, final Tunnel t) {
        byId.remove(id, t);
    }

    /** Out of the index, under whatever ID it carried last. */
    void remove(final Tunnel t) {
        final String id = t.id();
        if (id != null) {
            byId.remove(id, t);
        }
        live.remove(t);
    }

    /** The tunnel that carries this ID now, or null. */
    Tunnel get(final String id) {
        final Tunnel t = byId.get(id);
        return t != null && id.equals(t.id()) ? t : null;
    }

    Iterable<Tunnel> live() {
        return live;
    }

    int size() {
        return live.size();
    }
}
