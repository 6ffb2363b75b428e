package org.ptth.relay.metrics;

/** The relay's limits, by the name of their setting: the values of the {@code limit} label. */
public enum Limit {
    LISTENS_PER_SERVER("limit.listens-per-server"),
    PENDING_CONNECTS_PER_SERVER("limit.pending-connects-per-server"),
    TUNNELS_PER_CLIENT("limit.tunnels-per-client"),
    TUNNELS("limit.tunnels"),
    MUX_CONNECTIONS_PER_PRINCIPAL("limit.mux-connections-per-principal");

    private final String setting;

    Limit(final String setting) {
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
