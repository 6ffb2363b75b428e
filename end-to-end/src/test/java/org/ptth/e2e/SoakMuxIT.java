package org.ptth.e2e;

import java.util.List;

/**
 * The soak of {@link SoakIT} with both proxies on the mux transport: many tunnels at once inside
 * one connection per proxy, under load, half-closes and aborts.
 */
class SoakMuxIT extends SoakIT {

    @Override
    protected List<String> proxyOptions() {
        return List.of("--transport", "mux");
    }
}
