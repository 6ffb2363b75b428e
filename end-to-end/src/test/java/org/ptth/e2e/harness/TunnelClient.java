package org.ptth.e2e.harness;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;

/**
 * The TCP client's side of a tunnel, for tests whose TCP server echoes after a selector byte
 * {@code E} (see {@link TcpHandlers#dispatch} and {@link TcpHandlers#echo}): one open connection
 * through a client proxy, and the checks made on it.
 */
public final class TunnelClient implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 30_000;

    private final Socket socket;
    private final String label;

    private TunnelClient(final Socket socket, final String label) {
        this.socket = socket;
        this.label = label;
    }

    /** Connects to the client proxy on 127.0.0.1:{@code port} and selects the echo ({@code E}). */
    public static TunnelClient echo(final int port, final String label) throws IOException {
        final TunnelClient client = new TunnelClient(connect(port), label);
        try {
            client.socket.getOutputStream().write('E');
            return client;
        } catch (final IOException e) {
            client.close();
            throw e;
        }
    }

    /** A plain connection to 127.0.0.1:{@code port}, with a read timeout. */
    public static Socket connect(final int port) throws IOException {
        final Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            return socket;
        } catch (final IOException e) {
            socket.close();
            throw e;
        }
    }

    public Socket socket() {
        return socket;
    }

    /** Sends {@code text} and reads it back; fails unless exactly that comes back. */
    public void roundTrip(final String text) throws IOException {
        final byte[] data = (label + ": " + text + "\n").getBytes(US_ASCII);
        final OutputStream out = socket.getOutputStream();
        out.write(data);
        out.flush();
        final byte[] back = socket.getInputStream().readNBytes(data.length);
        if (!Arrays.equals(data, back)) {
            throw new AssertionError(label + ": sent " + data.length + " bytes, got back " + back.length
                    + (back.length == data.length ? " different ones" : " before end of stream"));
        }
    }

    /** Half-closes this side, and checks that the echo ends too (end of stream after the half-close). */
    public void endAndExpectEnd() throws IOException {
        socket.shutdownOutput();
        final int next = socket.getInputStream().read();
        if (next != -1) {
            throw new AssertionError(label + ": expected end of stream after the half-close, got byte " + next);
        }
    }

    /**
     * Whether a whole new echo tunnel works through the client proxy on {@code port} now: connect,
     * one round trip, half-close, end of stream. Any failure (the proxy closing the connection, a
     * timeout) is a no, never an exception.
     */
    public static boolean echoWorks(final int port, final String label, final Duration timeout) {
        try (TunnelClient client = echo(port, label)) {
            client.socket.setSoTimeout((int) timeout.toMillis());
            client.roundTrip("is this tunnel up?");
            client.endAndExpectEnd();
            return true;
        } catch (final IOException | AssertionError e) {
            return false;
        }
    }

    /**
     * Waits up to {@code within} for the peer to go away: a read gives end of stream or fails (a reset).
     * Returns how long it took; fails if a byte comes or the connection is still open at the end.
     */
    public Duration awaitClosed(final Duration within) throws IOException {
        final long start = System.nanoTime();
        socket.setSoTimeout((int) Math.max(1, within.toMillis()));
        try {
            final int b = socket.getInputStream().read();
            if (b != -1) {
                throw new AssertionError(label + ": expected the connection to close, got a byte " + b);
            }
        } catch (final SocketTimeoutException e) {
            throw new AssertionError(label + ": still open after " + within.toMillis() + " ms");
        } catch (final IOException e) {
            // a reset: closed, as expected
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Whether the connection is still open: no end of stream and no error within {@code quiet}. */
    public boolean staysOpen(final Duration quiet) throws IOException {
        socket.setSoTimeout((int) quiet.toMillis());
        try {
            final int b = socket.getInputStream().read();
            if (b != -1) {
                throw new AssertionError(label + ": expected silence, got byte " + b);
            }
            return false;
        } catch (final SocketTimeoutException e) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            return true;
        } catch (final IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return label + " (" + socket.getLocalSocketAddress() + ")";
    }
}
