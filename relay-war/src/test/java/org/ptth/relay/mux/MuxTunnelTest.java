package org.ptth.relay.mux;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;
import org.ptth.protocol.Refusal;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.auth.Principal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** One tunnel's rules, with both halves and the router mocked: what each event makes each half hear, in order. */
class MuxTunnelTest {
    private final MuxRouter router = mock(MuxRouter.class);
    private final Side client = mock(Side.class);
    private final Side server = mock(Side.class);
    /** What the server half got as DATA (and OPEN's first bytes), copied: the buffers are valid only during the call. */
    private final List<byte[]> toServer = new ArrayList<>();
    private MuxTunnel tunnel;

    @BeforeEach
    void setUp() {
        when(router.after(anyLong(), any())).thenReturn(mock(ScheduledFuture.class));
        when(router.events()).thenReturn(org.ptth.relay.metrics.RelayEvents.NONE);
        when(client.address()).thenReturn("192.0.2.7");
        when(client.transport()).thenReturn("mux");
        when(server.transport()).thenReturn("mux");
        doAnswer(call -> toServer.add(copy(call.getArgument(0)))).when(server).data(any());
        doAnswer(call -> toServer.add(copy(call.getArgument(2)))).when(server).open(anyString(), anyString(), any());
        tunnel = new MuxTunnel(router, new Principal(Principal.Kind.CLIENT, "laptop", "00"), new Target("office", "ssh"),
                "test.1", t -> client);
    }

    private static byte[] copy(final ByteBuffer b) {
        final byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return bytes;
    }

    private void offerAndOpen() {
        assertTrue(tunnel.offer(t -> server, 1_000_000));
        tunnel.opened(server);
    }

    @Test
    void earlyBytesTravelInTheOpenAndWhatDoesNotFitFollowsAsData() {
        final byte[] early = new byte[Frames.INITIAL_WINDOW];
        new java.util.Random(1).nextBytes(early);
        tunnel.first(ByteBuffer.wrap(early, 0, 100));
        tunnel.data(client, ByteBuffer.wrap(early, 100, early.length - 100));
        tunnel.end(client);
        assertTrue(tunnel.offer(t -> server, 1_000_000));

        final InOrder order = inOrder(server);
        order.verify(server).open(eq("ssh"), eq("laptop from 192.0.2.7"), any());
        order.verify(server).data(any());
        order.verify(server).end();
        final java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        toServer.forEach(all::writeBytes);
        assertArrayEquals(early, all.toByteArray());
        assertTrue(toServer.get(0).length + Frames.openPayload("ssh", "laptop from 192.0.2.7", 0) <= Frames.MAX_PAYLOAD);
    }

    @Test
    void openedIsPassedOnAndTheTunnelLeavesThePendingCount() {
        offerAndOpen();
        verify(client).opened();
        verify(router).leftPending(tunnel);
        assertEquals(MuxTunnel.State.OPEN, tunnel.state());
    }

    @Test
    void endBothWaysClosesTheTunnelAndDetachesBothHalves() {
        offerAndOpen();
        tunnel.end(client);
        verify(server).end();
        tunnel.end(server);
        verify(client).end();
        assertEquals(MuxTunnel.State.CLOSED, tunnel.state());
        verify(client).detach();
        verify(server).detach();
        verify(router).removed(tunnel, MuxTunnel.State.OPEN);
    }

    @Test
    void aSenderPastItsCreditIsAbortedAndBothHalvesHearWhy() {
        offerAndOpen();
        tunnel.data(client, ByteBuffer.allocate(Frames.INITIAL_WINDOW));
        tunnel.data(client, ByteBuffer.allocate(1));
        verify(server).abort("protocol error on this tunnel: the client sent past its credit");
        verify(client).abort("protocol error on this tunnel: the client sent past its credit");
        assertEquals(MuxTunnel.State.CLOSED, tunnel.state());
    }

    @Test
    void creditFromTheReceiverIsPassedToTheSenderAndExtendsWhatItMaySend() {
        offerAndOpen();
        tunnel.data(client, ByteBuffer.allocate(Frames.INITIAL_WINDOW));
        tunnel.credit(server, 1000);
        verify(client).credit(1000);
        tunnel.data(client, ByteBuffer.allocate(1000));
        verify(client, never()).abort(anyString());
    }

    @Test
    void creditIsHeldBackWhileTheReceiverBacksUpAndPassedOnGatheredOnceItDrains() {
        offerAndOpen();
        when(server.congested()).thenReturn(true);
        tunnel.credit(server, 100);
        tunnel.credit(server, 200);
        tunnel.credit(server, 300);
        verify(client, never()).credit(anyInt());
        when(server.congested()).thenReturn(false);
        tunnel.roomAvailable(server);
        verify(client).credit(600);
        // held back, the client may still send only what it had
        tunnel.data(client, ByteBuffer.allocate(Frames.INITIAL_WINDOW + 600));
        verify(server, never()).abort(anyString());
    }

    @Test
    void creditBeyondTheProtocolsMaximumWindowBreaksTheTunnel() {
        offerAndOpen();
        tunnel.credit(server, Frames.MAX_WINDOW);
        verify(client).abort("protocol error on this tunnel: CREDIT beyond the protocol's maximum window");
    }

    @Test
    void theClientsCreditBeforeTheServerIsReachedIsPassedOnWithTheOpen() {
        tunnel.credit(client, 5000);
        tunnel.offer(t -> server, 1_000_000);
        final InOrder order = inOrder(server);
        order.verify(server).open(anyString(), anyString(), any());
        order.verify(server).credit(5000);
    }

    @Test
    void dataFromTheServerBeforeOpenedBreaksTheTunnel() {
        tunnel.offer(t -> server, 1_000_000);
        tunnel.data(server, ByteBuffer.allocate(1));
        verify(client).abort(startsWith("protocol error on this tunnel: DATA from the server before OPENED"));
        verify(server).abort(startsWith("protocol error"));
    }

    @Test
    void dataAfterEndBreaksTheTunnel() {
        offerAndOpen();
        tunnel.end(client);
        tunnel.data(client, ByteBuffer.allocate(1));
        verify(server).abort("protocol error on this tunnel: DATA after END from the client");
    }

    @Test
    void aRefusalByTheServerReachesTheClientAs502WithItsReason() {
        tunnel.offer(t -> server, 1_000_000);
        tunnel.refused(server, "connect: connection refused");
        verify(client).refused(502, "target refused by server proxy: connect: connection refused");
        verify(router).removed(tunnel, MuxTunnel.State.OFFERED);
    }

    @Test
    void anAbortFromOneHalfReachesTheOtherWithItsReason() {
        offerAndOpen();
        tunnel.aborted(server, "connection reset by peer");
        verify(client).abort("connection reset by peer");
        verify(server, never()).abort(anyString());
    }

    @Test
    void theServersAbortBeforeOpenedIsARefusalForTheClient() {
        tunnel.offer(t -> server, 1_000_000);
        tunnel.aborted(server, "");
        verify(client).refused(502, "server proxy aborted");
    }

    @Test
    void aLostClientAbortsTheServersHalfAndALostServerRefusesOrAbortsTheClient() {
        offerAndOpen();
        tunnel.lost(client, "mux connection lost: gone");
        verify(server).abort("mux connection lost: gone");

        final Side otherClient = mock(Side.class);
        when(otherClient.transport()).thenReturn("mux");
        final MuxTunnel offered = new MuxTunnel(router, new Principal(Principal.Kind.CLIENT, "laptop", "00"),
                new Target("office", "ssh"), "test.2", t -> otherClient);
        offered.offer(t -> server, 1_000_000);
        offered.lost(server, "mux connection lost: gone");
        verify(otherClient).refused(502, "server proxy went away: mux connection lost: gone");
    }

    @Test
    void theAcceptTimeoutAbortsTheServerAndRefusesTheClient502() {
        final ArgumentCaptor<Runnable> timer = ArgumentCaptor.forClass(Runnable.class);
        tunnel.offer(t -> server, 5_000_000_000L);
        verify(router).after(eq(5_000_000_000L), timer.capture());
        timer.getValue().run();
        verify(server).abort("server proxy did not accept the connection in time");
        verify(client).refused(502, "server proxy did not accept the connection in time");
    }

    @Test
    void aRefusalOfTheStatusTableReachesTheClientWithItsStatusAndFixedReason() {
        tunnel.offer(t -> server, 1_000_000);
        tunnel.refuse(Refusal.STOPPING);
        verify(server).abort("relay stopping");
        verify(client).refused(503, "relay stopping");
        verify(router).removed(tunnel, MuxTunnel.State.OFFERED);
        assertEquals(MuxTunnel.State.CLOSED, tunnel.state());
    }

    @Test
    void aRefusalWithoutAFixedReasonIsNotTakenWithoutOne() {
        assertThrows(IllegalArgumentException.class, () -> tunnel.refuse(Refusal.RELAY_LIMIT));
        verify(client, never()).refused(anyInt(), anyString());
        assertEquals(MuxTunnel.State.WAITING, tunnel.state());
    }

    @Test
    void anOfferToAServerThatIsGoneFailsAndTheTunnelKeepsWaiting() {
        assertEquals(false, tunnel.offer(t -> null, 1_000_000));
        assertEquals(MuxTunnel.State.WAITING, tunnel.state());
        assertTrue(tunnel.offer(t -> server, 1_000_000));
    }

    @Test
    void eventsAfterTheEndAreIgnored() {
        offerAndOpen();
        tunnel.aborted(client, "bye");
        tunnel.data(server, ByteBuffer.allocate(10));
        tunnel.end(server);
        tunnel.credit(server, 10);
        verify(client, never()).data(any());
        verify(client, never()).end();
        verify(client, never()).credit(anyInt());
    }
}
