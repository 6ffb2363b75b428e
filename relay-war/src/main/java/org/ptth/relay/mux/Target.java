package org.ptth.relay.mux;

/** A port of a server, as a tunnel names it. */
public record Target(String server, String port) {
    @Override
    public String toString() {
        return server + "/" + port;
    }
}
