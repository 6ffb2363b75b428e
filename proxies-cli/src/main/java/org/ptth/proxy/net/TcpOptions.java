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

    public static void closeQuietly(final Socket socket) {
        try {
            socket.close();
        } catch (final IOException ignored) {
            // nothing to do about it
        }
    }
}
