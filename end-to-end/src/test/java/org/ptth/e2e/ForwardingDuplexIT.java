package org.ptth.e2e;

import java.util.List;

/**
 * Every check of {@link ForwardingIT} with both proxies in duplex mode: each tunnel is one connect
 * and one accept whose request bodies carry the outgoing directions, against the real relay in a
 * standalone Tomcat (bulk both ways, half-close in both orders, aborts, many tunnels, idle tunnels,
 * refusals).
 */
class ForwardingDuplexIT extends ForwardingIT {

    @Override
    protected List<String> proxyOptions() {
        return List.of("--transport", "duplex");
    }
}
