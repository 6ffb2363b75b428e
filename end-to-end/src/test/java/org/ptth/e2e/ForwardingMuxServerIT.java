package org.ptth.e2e;

import java.util.List;

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
}
