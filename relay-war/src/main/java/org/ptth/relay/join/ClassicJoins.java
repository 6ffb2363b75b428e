package org.ptth.relay.join;

import org.ptth.protocol.Headers;
import org.ptth.protocol.Names;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.mux.MuxRouter;
import org.ptth.relay.mux.MuxTunnel;
import org.ptth.relay.mux.Target;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.registry.CallHeaders;
import org.ptth.relay.registry.ConnectionIds;
import org.ptth.relay.registry.Joins;
import org.ptth.relay.registry.TunnelRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Joins the multiplexed transport with the classic calls (docs/protocol.md, "Joining transports"):
 * the registry hands it the calls of joined tunnels and the listen polls it may use; the mux router
 * hands it the tunnels that no mux server takes. It knows each joined tunnel's connection ID.
 */
public final class ClassicJoins implements Joins, MuxRouter.Classic {
    /** A quiet direction towards a classic proxy carries a HEARTBEAT this often, as the proxies send theirs. */
    static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final MuxRouter router;
    private final TunnelRegistry registry;
    private final Supplier<RelayConfig> config;
    private final Map<String, ClassicSide> byId = new ConcurrentHashMap<>();

    public ClassicJoins(final MuxRouter router, final TunnelRegistry registry, final Supplier<RelayConfig> config) {
        this.router = router;
        this.registry = registry;
        this.config = config;
    }

    // ---- what the registry hands over

    @Override
    public boolean offerPoll(final Principal server, final String port, final Exchange poll) {
        return router.offerWaiting(new Target(server.name(), port), tunnel -> serverSide(tunnel, poll));
    }

    @Override
    public boolean serves(final String server, final String port) {
        return router.serves(new Target(server, port));
    }

    @Override
    public void connect(final Principal client, final String server, final String port, final boolean duplex,
                        final TunnelRegistry.ExchangeStarter starter) throws RelayException {
        final Exchange connect = starter.start();
        open(client, connect.request().getRemoteAddr(), new Target(server, port), connect, duplex,
                Headers.isOn(connect.request().getHeader(Headers.CREDIT)));
    }

    private void open(final Principal client, final String address, final Target target, final Exchange connect,
                      final boolean duplex, final boolean flowControl) {
        final String id = ConnectionIds.next();
        router.openClassic(client, target, Names.shortId(id), tunnel -> {
            final ClassicClientSide side = new ClassicClientSide(this, tunnel, id, connect, duplex, flowControl, address);
            byId.put(id, side);
            return side;
        });
    }

    @Override
    public Calls calls(final String id) {
        return byId.get(id);
    }

    @Override
    public int liveTunnels() {
        return router.liveTunnels();
    }

    @Override
    public int tunnelsOfClient(final String client) {
        return router.tunnelsOfClient(client);
    }

    // ---- what the router hands over

    @Override
    public boolean offerToPoll(final MuxTunnel tunnel, final long acceptNanos) {
        final Target target = tunnel.target();
        while (true) {
            final Exchange poll = registry.takeParkedPoll(target.server(), target.port());
            if (poll == null) {
                return false;
            }
            final boolean[] tried = {false};
            final boolean offered = tunnel.offer(t -> {
                tried[0] = true;
                return serverSide(t, poll);
            }, acceptNanos);
            if (!tried[0]) {
                registry.parkAgain(target.server(), target.port(), poll); // the tunnel was no longer waiting
                return true;
            }
            if (offered) {
                return true;
            }
            // that poll's proxy was gone: the next one
        }
    }

    @Override
    public void listening(final Target target) {
        for (final TunnelRegistry.Handover waiting : registry.takeWaitingConnects(target.server(), target.port())) {
            open(waiting.client(), waiting.address(), target, waiting.connect(), waiting.duplex(), waiting.flowControl());
        }
    }

    @Override
    public void tick(final long now) {
        final RelayConfig cfg = config.get();
        if (cfg == null) {
            return;
        }
        final long idle = cfg.timeouts().idle().toNanos();
        final long streamWait = 3 * cfg.timeouts().accept().toNanos();
        for (final ClassicSide side : byId.values()) {
            side.tick(now, HEARTBEAT_NANOS, idle, streamWait);
        }
    }

    /** Answers the poll with a new connection ID for the tunnel; null when the poll's proxy is gone. */
    private ClassicServerSide serverSide(final MuxTunnel tunnel, final Exchange poll) {
        final String id = ConnectionIds.next();
        final ClassicServerSide side = new ClassicServerSide(this, tunnel, id, "-");
        byId.put(id, side);
        if (!poll.answerText(Headers.CONNECTION_ID, id, id + "\n")) {
            byId.remove(id, side);
            return null;
        }
        return side;
    }

    void forget(final String id, final ClassicSide side) {
        byId.remove(id, side);
    }
}
