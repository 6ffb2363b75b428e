package org.ptth.proxy.net;

import java.io.IOException;
import java.net.Socket;

/** Socket options every terminator's TCP connection gets. */
public final class TcpOptions {

    private TcpOptions() {
    }

    /** No Nagle delay (interactive bytes go at once) and keep-alive (a vanished peer shows up eventually). */
    public static void apply(final Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setKeepAlive(true);
    }

    /**
     * Ends a connection whose tunnel was cut or never opened: with a reset (SO_LINGER 0), never the
     * FIN of a clean end, so that the program on the other end knows its data did not all get
     * through. Only a clean END of the tunnel ends a connection with a FIN. The one place for it,
     * whatever the transport.
     */
    public static void reset(final Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (final IOException alreadyClosed) {
            // closing is all that is left
        }
        closeQuietly(socket);
    }

    public static void closeQuietly(final Socket socket) {
        try {
            socket.close();
        } catch (final IOException ignored) {
            // nothing to do about it
        }
    }
}
