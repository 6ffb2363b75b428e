package org.ptth.e2e;

import java.util.List;

/**
 * Every check of {@link ForwardingIT} with both proxies on the mux transport: each proxy carries
 * its tunnels inside one WebSocket connection to the real relay in a standalone Tomcat (bulk both
 * ways, half-close in both orders, aborts, many tunnels, idle tunnels, refusals).
 */
class ForwardingMuxIT extends ForwardingIT {

    @Override
    protected List<String> proxyOptions() {
        return List.of("--transport", "mux");
    }
}
