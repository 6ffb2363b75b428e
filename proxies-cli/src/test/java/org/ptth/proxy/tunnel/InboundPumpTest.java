package org.ptth.proxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.pth1.FrameWriter;
import org.ptth.proxy.relayclient.StreamedResponse;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InboundPumpTest {

    @Test
    void aPeersAbortReasonIsCutAndEscapedBeforeItIsLogged() throws Exception {
        final String hostile = "evil\nINFO tunnel forged closed\r\u001b[2J" + "x".repeat(100_000);
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final FrameWriter frames = new FrameWriter(body);
        frames.preamble();
        frames.abort(hostile);
        final StreamedResponse response = mock(StreamedResponse.class);
        when(response.body()).thenReturn(new ByteArrayInputStream(body.toByteArray()));
        final Socket socket = mock(Socket.class);
        when(socket.getOutputStream()).thenReturn(new ByteArrayOutputStream());
        final ClassicTunnel tunnel = new ClassicTunnel("b".repeat(32), "test", socket, ClassicTunnel.Side.CLIENT);

        new InboundPump(tunnel, response, "connect/test", TunnelSettings.defaults(), task -> new Thread(task).start()).run();

        final String reason = tunnel.outcome().get(10, TimeUnit.SECONDS).reason();
        assertTrue(reason.startsWith("peer aborted: evil"), reason);
        assertTrue(reason.getBytes(StandardCharsets.UTF_8).length <= 200 + 6 * 1024,
                () -> "the reason kept " + reason.length() + " characters");
        assertTrue(reason.chars().noneMatch(c -> c < 0x20 || c == 0x7f), () -> "control characters in: " + reason);
        assertFalse(reason.contains("x".repeat(2000)), "the reason was not cut");
        verify(socket).setSoLinger(true, 0);
        verify(response).close();
    }
}
