package org.ptth.relay.metrics;

/** An open tunnel now, for the status page: bytes each way, and their rates over the last sampling tick. */
public record OpenTunnel(String client, String clientAddress, String server, String port, String transport,
                         long openedMillis, long ageMillis, long upBytes, long downBytes, double upRate,
                         double downRate) {
}
