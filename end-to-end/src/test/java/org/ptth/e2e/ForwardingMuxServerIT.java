package org.ptth.e2e;

import java.util.List;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Every check of {@link ForwardingIT} with a four-stream client proxy and a mux server proxy: the
 * relay turns each connect into an OPEN on the server's connection.
 */
class ForwardingMuxServerIT extends ForwardingIT {

    @Override
    protected List<String> clientOptions() {
        return List.of("--transport", "four-stream");
    }

    @Override
    protected List<String> serverOptions() {
        return List.of("--transport", "mux");
    }

    /**
     * Fails today in the relay's join: it writes the four-stream client's response as fast as the mux
     * side's credit allows, not within that client's own PTH1 credit, so a client whose reader pauses
     * has its response write time out (the tunnel ends "response failed: SocketTimeoutException").
     */
    @Override
    @Test
    @Disabled("the relay's join of a four-stream client to a mux server ignores the client's PTH1 credit")
    void pausedReaderGetsEveryByte() {
    }
}
