package org.ptth.e2e;

import java.util.List;

/**
 * The soak of {@link SoakIT} with both proxies in duplex mode: each tunnel's outgoing direction is
 * the request body of its connect or accept, written on one thread while another reads the
 * response of the same connection, under load, half-closes and aborts.
 */
class SoakDuplexIT extends SoakIT {

    @Override
    protected List<String> proxyOptions() {
        return List.of("--transport", "duplex");
    }
}
