package org.ptth.relay.metrics;

/** A tunnel that did not open, as the status page lists it: the names as the calls gave them. */
public record RefusedTunnel(long millis, String client, String clientAddress, String server, String port, String transport,
                      int status, String reason, String why) {
}
