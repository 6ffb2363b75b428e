package org.ptth.relay.registry;

/** A port of a server, as the relay knows it: two opaque names. */
record PortKey(String server, String port) {
    @Override
    public String toString() {
        return server + "/" + port;
    }
}
