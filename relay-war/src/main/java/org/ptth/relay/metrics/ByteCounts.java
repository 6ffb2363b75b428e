package org.ptth.relay.metrics;

/** The bytes a tunnel moved so far, each way, as the tunnel itself counts them on its data path. */
public interface ByteCounts {
    /** Client to server. */
    long upBytes();

    /** Server to client. */
    long downBytes();
}
