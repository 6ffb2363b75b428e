package org.ptth.e2e;

import java.util.List;

/**
 * Every check of {@link ForwardingIT} with a mux client proxy and a four-stream server proxy: the
 * relay joins the client's tunnels to the server's listen polls.
 */
class ForwardingMuxClientIT extends ForwardingIT {

    @Override
    protected List<String> clientOptions() {
        return List.of("--transport", "mux");
    }

    @Override
    protected List<String> serverOptions() {
        return List.of("--transport", "four-stream");
    }
}
