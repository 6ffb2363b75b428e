package org.ptth.e2e;

import java.util.List;

/**
 * The faults of {@link FaultsIT} (kill -9 of either proxy and of the TCP server mid-transfer) with
 * both proxies in duplex mode, where one connection carries both directions of a tunnel.
 */
class FaultsDuplexIT extends FaultsIT {

    @Override
    protected List<String> proxyOptions() {
        return List.of("--transport", "duplex");
    }
}
