package org.ptth.proxy.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ptth.protocol.mux.Frames;

class ReceiveWindowTest {

    private static final long MS = 1_000_000;
    private static final int QUARTER = Frames.INITIAL_WINDOW / 4;

    @Test
    void creditIsGrantedAsTheSocketTakesBytesAQuarterWindowAtATime() {
        final ReceiveWindow window = new ReceiveWindow(0);
        assertTrue(window.received(Frames.INITIAL_WINDOW));
        assertEquals(0, window.flush(0), "nothing drained yet: nothing to grant, however much arrived");
        // slowly: no growth
        assertEquals(0, window.taken(QUARTER - 1, 100 * MS, 0));
        assertEquals(QUARTER, window.taken(1, 200 * MS, 0));
        assertEquals(Frames.INITIAL_WINDOW, window.window());
    }

    @Test
    void dataPastTheCreditIsRefused() {
        final ReceiveWindow window = new ReceiveWindow(0);
        assertFalse(window.received(Frames.INITIAL_WINDOW + 1));
        assertTrue(window.received(Frames.INITIAL_WINDOW));
        assertFalse(window.received(1));
        window.taken(QUARTER, 100 * MS, 0);
        assertTrue(window.received(QUARTER));
        assertFalse(window.received(1));
    }

    @Test
    void theWindowDoublesWhileQuartersDrainWithinTwoRoundTripsUpTo16MiB() {
        final ReceiveWindow window = new ReceiveWindow(0);
        long now = 0;
        long granted = Frames.INITIAL_WINDOW;
        long received = 0;
        for (int round = 0; round < 200; round++) {
            final int quarter = window.window() / 4;
            assertTrue(window.received(quarter));
            received += quarter;
            now += MS / 10; // a quarter each 0.1 ms: the sender keeps the window full
            granted += window.taken(quarter, now, 50_000);
            // each quarter was granted again at once: nothing drained is left ungranted
            assertEquals(window.window(), window.outstanding() + window.held());
            assertEquals(granted - received, window.outstanding());
            assertTrue(granted - received <= ReceiveWindow.MAX_WINDOW);
        }
        assertEquals(ReceiveWindow.MAX_WINDOW, window.window());
    }

    @Test
    void theWindowStaysWhenTheSocketIsSlowOrBehind() {
        final ReceiveWindow slow = new ReceiveWindow(0);
        long now = 0;
        for (int round = 0; round < 20; round++) {
            slow.received(QUARTER);
            now += 10 * MS; // a quarter every 10 ms with a 1 ms round trip: the sender is not window-bound
            slow.taken(QUARTER, now, MS);
        }
        assertEquals(Frames.INITIAL_WINDOW, slow.window());

        final ReceiveWindow behind = new ReceiveWindow(0);
        behind.received(Frames.INITIAL_WINDOW);
        // fast, but most of the window still waits for the socket
        assertEquals(QUARTER, behind.taken(QUARTER, 1000, 0));
        assertEquals(Frames.INITIAL_WINDOW, behind.window());
    }

    @Test
    void aQuietTunnelGetsWhatDrainedOnFlush() {
        final ReceiveWindow window = new ReceiveWindow(0);
        window.received(100);
        assertEquals(0, window.taken(100, MS, 0));
        assertEquals(100, window.flush(2 * MS));
        assertEquals(0, window.flush(3 * MS));
        assertEquals(Frames.INITIAL_WINDOW, window.outstanding());
    }
}
