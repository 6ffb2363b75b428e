package org.ptth.relay.mux;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.timing.Timers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.mockito.Mockito.mock;

/**
 * A server proxy that renews its connection says GOAWAY on the old one, then PINGs, and closes it
 * once the PONG has come and no tunnel is left (docs/protocol.md, "Draining"). An OPEN that a
 * routing thread was about to queue there when the GOAWAY was read must reach the proxy before that
 * PONG, or the proxy closes first and the tunnel is refused with "server proxy went away".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MuxRenewalTest {
    private final Timers timers = new Timers();
    private final MuxRouter router = new MuxRouter(() -> null, () -> 0, client -> 0, timers);
    private final ScriptedCarrier carrier = new ScriptedCarrier();
    private final MuxConnection server = router.connect(new Principal(Principal.Kind.SERVER, "office", "00"),
            "office", "192.0.2.8", carrier, () -> { });

    @AfterEach
    void stopTimers() {
        timers.stop();
    }

    @Test
    void aPongAnsweredAfterTheGoawayFollowsAnOpenRoutedBeforeIt() throws Exception {
        // a routing thread chose this connection for a tunnel just before the GOAWAY was read ...
        final MuxSide routed = server.attachServer(mock(MuxTunnel.class));
        assertNotNull(routed);
        // ... the reading thread takes the GOAWAY and the PING after it ...
        final ByteBuffer read = ByteBuffer.allocate(256);
        Frames.goaway(read, "renewed: connection 2 takes new tunnels");
        Frames.ping(read, 7);
        server.binary(read.flip(), true);
        server.readDone();
        // ... and only then does the routing thread queue its OPEN
        routed.open("ssh", "laptop from 192.0.2.7", ByteBuffer.allocate(0));
        carrier.writable = true;
        server.writable();
        assertEquals(List.of("OPEN", "PONG"), carrier.events());
        assertNull(server.attachServer(mock(MuxTunnel.class)), "a tunnel was routed after the GOAWAY");
    }
}
