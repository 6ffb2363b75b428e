package org.ptth.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayCall;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayResponse;

/** What the poll loop does next after each kind of answer to a listen: poll at once, wait, or take a connection. */
class ListenPollerTest {

    private final AtomicLong now = new AtomicLong();
    private final RelayClient relay = mock(RelayClient.class);
    private final RelayCall call = mock(RelayCall.class);
    private final RelayResponse response = mock(RelayResponse.class);
    private final ServerTunnelOpener opener = mock(ServerTunnelOpener.class);
    private ListenPoller poller;

    @BeforeEach
    void relayAnswering() throws Exception {
        when(relay.post(eq("srv"), eq("listen"), eq("ssh"), any(), any())).thenReturn(call);
        when(relay.address()).thenReturn(RelayAddress.parse("http://127.0.0.1:8080/ptth-relay/"));
        when(call.execute()).thenReturn(response);
        poller = new ListenPoller(relay, "srv", new Exposure("ssh", HostPort.parse("127.0.0.1:22", "127.0.0.1")),
                opener, Runnable::run, new RelayHealth("http://127.0.0.1:8080/ptth-relay/"), now::get);
    }

    /** The relay held the poll this long before it answered. */
    private void heldFor(final long seconds) throws Exception {
        when(call.execute()).thenAnswer(invocation -> {
            now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
            return response;
        });
    }

    private static void assertWaits(final PollResult result, final String what) {
        assertFalse(result.offered(), what);
        assertTrue(result.waitMillis() > 0, what);
    }

    @Test
    void a204AfterTheListenTimeoutIsPolledAgainAtOnce() throws Exception {
        heldFor(30);
        when(response.status()).thenReturn(204);
        final PollResult result = poller.pollOnce();
        assertFalse(result.offered());
        assertEquals(0, result.waitMillis());
    }

    @Test
    void a204AtOnceIsNotALoop() throws Exception {
        when(response.status()).thenReturn(204);
        for (int i = 0; i < 5; i++) {
            assertWaits(poller.pollOnce(), "a 204 that came at once is followed by a wait, poll " + i);
        }
    }

    @Test
    void a200WithoutTheRelaysIdIsNoOfferAndIsNotALoop() throws Exception {
        when(response.status()).thenReturn(200);
        when(response.errorLine()).thenReturn("HTTP 200 (an HTML page)");
        assertWaits(poller.pollOnce(), "no Ptth-Connection-Id at all");
        when(response.header("Ptth-Connection-Id")).thenReturn("not an id");
        when(response.isRelayAnswer()).thenReturn(true);
        assertWaits(poller.pollOnce(), "an ID that is not one");
        when(response.header("Ptth-Connection-Id")).thenReturn("A".repeat(32));
        when(response.isRelayAnswer()).thenReturn(false);
        assertWaits(poller.pollOnce(), "a plausible ID on a page that is not the relay's answer");
    }

    @Test
    void theRelaysOfferIsTaken() throws Exception {
        heldFor(0);
        when(response.status()).thenReturn(200);
        when(response.isRelayAnswer()).thenReturn(true);
        when(response.header("Ptth-Connection-Id")).thenReturn("A".repeat(32));
        assertEquals("A".repeat(32), poller.pollOnce().connectionId());
        verify(response).closeGracefully();
        verify(opener, never()).open(any(), any());
    }
}
