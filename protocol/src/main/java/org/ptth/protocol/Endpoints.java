package org.ptth.protocol;

/**
 * The relay's endpoints: {@code v1/{server}/{verb}/{argument}} for the classic calls (argument a
 * port name or a connection ID), {@code v1/{server}/mux} for the multiplexed connection.
 */
public final class Endpoints {
    /** The prefix of every endpoint's path, relative to the relay's base URL. */
    public static final String PREFIX = "v1/";

    /** Server proxy: wait for a connection to a port. */
    public static final String LISTEN = "listen";
    /** Server proxy: take a connection by its ID; the answer streams the upstream. */
    public static final String ACCEPT = "accept";
    /** Server proxy: the downstream of a connection, as the request body. */
    public static final String DOWNSTREAM = "downstream";
    /** Server proxy: refuse a connection by its ID. */
    public static final String REFUSE = "refuse";
    /** Client proxy: open a connection to a port; the answer streams the downstream. */
    public static final String CONNECT = "connect";
    /** Client proxy: the upstream of a connection, as the request body. */
    public static final String UPSTREAM = "upstream";
    /** Either proxy: the multiplexed connection (a WebSocket). */
    public static final String MUX = "mux";

    private Endpoints() {
    }

    /** The relative path of a classic call. */
    public static String path(final String server, final String verb, final String argument) {
        return PREFIX + server + "/" + verb + "/" + argument;
    }

    /** The relative path of a server's mux endpoint. */
    public static String muxPath(final String server) {
        return PREFIX + server + "/" + MUX;
    }
}
