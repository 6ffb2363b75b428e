package org.ptth.proxy.mux;

import java.io.IOException;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

import org.ptth.protocol.Refusal;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.Payloads;
import org.ptth.proxy.client.ClientTerminator;
import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.tunnel.LiveTunnels;

/**
 * The client proxy's side of the mux transport: each accepted TCP connection becomes a tunnel at
 * once, its OPEN carrying whatever the TCP client has sent already, on the thread that accepted it.
 * While a connection to the relay is being made (at start, or right after one was lost), an
 * accepted connection waits for it, at most {@link #LINK_WAIT_MILLIS}, and is reset after that.
 * While connecting fails (the relay unreachable, busy, or refusing the key) a connection is reset
 * at once with a line that says why; in auto mode it goes to the four-stream transport instead,
 * which behaves as it always has then. Once auto mode found that the relay path does not pass the
 * mux transport, every connection goes to four-stream.
 */
final class MuxClient implements LinkKeeper.Side, ClientTerminator.Route {

    /** How long an accepted connection waits for a connection to the relay. */
    static final long LINK_WAIT_MILLIS = 5_000;

    private static final Logger LOG = Logger.getLogger(MuxClient.class.getName());

    private final String server;
    private final String port;
    private final LiveTunnels live;
    private final ScheduledExecutorService timer;
    /** Null for --transport mux: no other transport to turn to. */
    private final Consumer<Socket> fourStream;
    /** Room for the first bytes in an OPEN: the payload limit less the port name and empty label. */
    private final int firstBytesMax;
    private final List<Socket> waiting = new ArrayList<>();
    private final ThreadLocal<ByteBuffer> firstBytes;
    private MuxLink link;
    private boolean fellBack;
    /** Why the last attempt to connect failed; null once connected. */
    private String down;

    /**
     * @param fourStream opens a tunnel with the four-stream transport (auto mode); null in mux mode
     */
    MuxClient(final String server, final String port, final LiveTunnels live, final ScheduledExecutorService timer,
              final Consumer<Socket> fourStream) {
        this.server = server;
        this.port = port;
        this.live = live;
        this.timer = timer;
        this.fourStream = fourStream;
        this.firstBytesMax = Frames.MAX_PAYLOAD - Frames.openPayload(port, "", 0);
        this.firstBytes = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(firstBytesMax));
    }

    /** Takes an accepted connection: true when the mux transport carries it (or it waits for a connection). */
    @Override
    public boolean take(final Socket connection) {
        final MuxLink now;
        final String problem;
        synchronized (this) {
            if (fellBack) {
                return false;
            }
            now = usable(link);
            problem = down;
            if (now == null && problem == null) {
                waiting.add(connection);
            }
        }
        if (now != null) {
            open(now, connection);
            return true;
        }
        if (problem != null) {
            return failed(connection, problem);
        }
        schedule(connection);
        return true;
    }

    @Override
    public void linkUp(final MuxLink up) {
        final List<Socket> ready;
        synchronized (this) {
            link = up;
            fellBack = false;
            down = null;
            ready = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (final Socket connection : ready) {
            open(up, connection);
        }
    }

    @Override
    public void linkDown(final String problem) {
        final List<Socket> stranded;
        synchronized (this) {
            down = problem;
            stranded = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (final Socket connection : stranded) {
            if (!failed(connection, problem)) {
                fourStream.accept(connection);
            }
        }
    }

    /** No connection to the relay: auto mode tries four-stream (false); mux mode resets, with a line. */
    private boolean failed(final Socket connection, final String problem) {
        if (fourStream != null) {
            return false;
        }
        LOG.warning(() -> "connection from " + connection.getRemoteSocketAddress() + " to " + server + "/" + port
                + " failed: " + problem);
        reset(connection);
        return true;
    }

    @Override
    public void fallBack() {
        final List<Socket> ready;
        synchronized (this) {
            fellBack = true;
            ready = new ArrayList<>(waiting);
            waiting.clear();
        }
        ready.forEach(fourStream);
    }

    @Override
    public void openRequested(final MuxLink on, final int number, final Payloads.Open open) {
        // the relay never opens tunnels towards a client: refuse, the connection goes on
        on.batch().refuse(number, Refusal.MALFORMED.status(), "a client proxy accepts no tunnels");
    }

    private static MuxLink usable(final MuxLink link) {
        return link != null && !link.isOver() && !link.isDraining() ? link : null;
    }

    private void schedule(final Socket connection) {
        try {
            timer.schedule(() -> expire(connection), LINK_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (final java.util.concurrent.RejectedExecutionException stopping) {
            expire(connection);
        }
    }

    private void expire(final Socket connection) {
        synchronized (this) {
            if (!waiting.remove(connection)) {
                return;
            }
        }
        LOG.warning(() -> "connection from " + connection.getRemoteSocketAddress() + " to " + server + "/" + port
                + " failed: no connection to the relay within " + LINK_WAIT_MILLIS / 1000 + " s");
        reset(connection);
    }

    private void open(final MuxLink on, final Socket connection) {
        final String from = String.valueOf(connection.getRemoteSocketAddress());
        final SocketChannel channel = connection.getChannel();
        final ByteBuffer first = firstBytes.get().clear();
        try {
            channel.configureBlocking(false);
            TcpOptions.apply(connection);
            if (channel.read(first) < 0) {
                first.clear(); // the end of stream is read again by the loop, which sends END
            }
        } catch (final IOException | RuntimeException gone) {
            reset(connection);
            return;
        }
        first.flip();
        final int number = on.nextNumber();
        final String target = server + "/" + port;
        final MuxTunnel tunnel = new MuxTunnel(on, number, channel, MuxTunnel.Side.CLIENT,
                target + " from " + from, "from " + from + " to " + target);
        if (!on.add(tunnel)) {
            LOG.warning(() -> "connection from " + from + " to " + target + " failed: the connection to the relay"
                    + " was lost as it opened");
            reset(connection);
            return;
        }
        tunnel.sentWithOpen(first.remaining());
        live.add(tunnel);
        on.batch().open(number, port, first);
        on.batch().flush();
        on.loop().execute(() -> tunnel.register(false));
    }

    private static void reset(final Socket connection) {
        try {
            final SocketChannel channel = connection.getChannel();
            if (channel != null) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } else {
                connection.setSoLinger(true, 0);
            }
        } catch (final IOException | RuntimeException ignored) {
            // closing is what matters
        }
        TcpOptions.closeQuietly(connection);
    }
}
