package org.ptth.e2e;

import java.util.List;

import org.junit.jupiter.api.Disabled;

/**
 * The soak of {@link SoakIT} with both proxies in duplex mode: each tunnel's outgoing direction is
 * the request body of its connect or accept, written on one thread while another reads the
 * response of the same connection, under load, half-closes and aborts.
 */
@Disabled("duplex under this soak: a few half-closed echoes end in a reset (6 of 2183 on 2026-12-05, the relay logs"
        + " 'downstream stream failed: Connection reset by peer'), and earlier runs left TCP handlers running;"
        + " an open defect of the duplex transport, not yet found")
class SoakDuplexIT extends SoakIT {

    @Override
    protected List<String> proxyOptions() {
        return List.of("--transport", "duplex");
    }
}
