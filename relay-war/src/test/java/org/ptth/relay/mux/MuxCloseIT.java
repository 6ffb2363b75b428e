package org.ptth.relay.mux;

import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.MuxClient;
import org.ptth.relay.support.RawWebSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;

/**
 * How the relay ends a mux connection: its close frame goes after everything queued, and the socket
 * closes only once the proxy has answered it. A socket closed while the proxy still sends (CREDIT for
 * what it reads, a PING) is reset by the kernel when those bytes come, and what the relay had written
 * but the network not yet carried is lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MuxCloseIT {
    private EmbeddedRelay relay;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void theRelaysCloseWaitsForTheProxysAnswerAndReadsWhatComesBeforeIt() throws Exception {
        relay = new EmbeddedRelay("");
        try (RawWebSocket ws = RawWebSocket.upgrade(relay.port(), "/relay/v1/srv/mux", CLIENT_KEY)) {
            assertEquals(101, ws.status());
            // a client proxy renews its connection, which has no tunnel left: the relay closes it
            ws.sendFrame(true, RawWebSocket.OP_BINARY, MuxClient.goaway("renewed: connection 2 takes new tunnels"));
            final RawWebSocket.Frame close = ws.readDataOrClose();
            assertEquals(RawWebSocket.OP_CLOSE, close.opcode());
            assertEquals(1000, close.closeCode());
            // what the proxy sent before it read the close frame (CREDIT for the last DATA, a PING)
            // reaches a relay that still reads: a closed socket would answer it with a reset
            ws.sendFrame(true, RawWebSocket.OP_BINARY, MuxClient.ping(5));
            ws.socket().setSoTimeout(1_000);
            assertThrows(SocketTimeoutException.class, () -> ws.socket().getInputStream().read(),
                    "the relay closed the connection before the proxy answered its close frame");
            ws.sendFrame(true, RawWebSocket.OP_CLOSE, new byte[] {0x03, (byte) 0xe8});
            ws.socket().setSoTimeout(30_000);
            assertEquals(-1, ws.socket().getInputStream().read(), "the relay closes once answered");
        }
    }
}
