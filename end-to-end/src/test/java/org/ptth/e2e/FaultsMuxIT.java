package org.ptth.e2e;

import java.util.List;

/**
 * The faults of {@link FaultsIT} (kill -9 of either proxy and of the TCP server mid-transfer) with
 * both proxies on the mux transport, where one connection carries every tunnel of a proxy.
 */
class FaultsMuxIT extends FaultsIT {

    @Override
    protected List<String> proxyOptions() {
        return List.of("--transport", "mux");
    }
}
