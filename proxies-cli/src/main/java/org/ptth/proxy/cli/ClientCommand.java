package org.ptth.proxy.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ptth.protocol.Names;
import org.ptth.proxy.client.ClientTerminator;
import org.ptth.proxy.mux.MuxTransport;
import org.ptth.proxy.metrics.MetricsEndpoint;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.relayclient.HttpProxySetting;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/** {@code ptth-proxy client}: a local TCP port that leads to one port of one server. */
final class ClientCommand extends Command {

    private static final Logger LOG = Logger.getLogger(ClientCommand.class.getName());

    @Override
    String name() {
        return "client";
    }

    @Override
    String summary() {
        return "Listen on a local TCP port and carry each connection to a server's port through the relay;"
                + " runs until stopped.";
    }

    @Override
    String syntax() {
        return "--relay URL --key-file FILE --server NAME --port NAME --listen [HOST:]PORT [options]";
    }

    @Override
    Options options() {
        return RelayOptions.addTail(RelayOptions.addTo(new Options())
                .addOption(Option.builder().longOpt("server").hasArg().argName("NAME")
                        .desc("the server to reach (required)").get())
                .addOption(Option.builder().longOpt("port").hasArg().argName("NAME")
                        .desc("the port name that server exposes (required)").get())
                .addOption(Option.builder().longOpt("listen").hasArg().argName("[HOST:]PORT")
                        .desc("local address to accept connections on; HOST defaults to 127.0.0.1 (required)").get()));
    }

    @Override
    String footer() {
        return "On SIGTERM or Ctrl-C it stops accepting, lets open tunnels finish for --grace seconds, and exits 0."
                + " Exit codes: 0 ok, 1 runtime failure, 2 usage, 3 configuration, 4 relay unreachable at start"
                + " (--fail-fast). Example: ptth-proxy client --relay https://relay.example/ptth-relay/"
                + " --key-file laptop.key --server office --port ssh --listen 2222";
    }

    @Override
    int execute(final Arguments args, final Terminal terminal) throws CliException {
        final RelayAddress address = RelayOptions.relay(this, args);
        final String server = name(args, "server");
        final String port = name(args, "port");
        final HostPort listen;
        try {
            listen = HostPort.parse(required(args, "listen"), "127.0.0.1");
        } catch (final IllegalArgumentException bad) {
            throw invalid(args, "listen", bad.getMessage());
        }
        final TunnelSettings settings = RelayOptions.settings(this, args);
        final Duration grace = RelayOptions.grace(this, args);
        final Duration renewAfter = RelayOptions.renewAfter(this, args);
        final HttpProxySetting proxy = RelayOptions.proxy(this, args, address, System.getenv());
        final SSLContext tls = RelayOptions.tls(args);
        final String key = RelayOptions.key(this, args);
        RelayOptions.configureLog(args);
        RelayOptions.warnIfKeysInClear(address);

        final ServerSocket listener = bind(listen);
        final ExecutorService pool = TunnelThreads.newPool();
        try (MetricsEndpoint metrics = RelayOptions.metrics(this, args);
             RelayClient relay = new RelayClient(address, key, tls, proxy);
             ClientTerminator terminator = new ClientTerminator(listener, relay, server, port, settings, pool);
             MuxTransport mux = settings.transport().triesMux()
                     ? MuxTransport.client(new MuxTransport.Relay(address, key, tls, proxy, renewAfter), settings, server, port,
                             terminator)
                     : null) {
            RelayOptions.checkReachable(args, relay);
            try (Lifecycle lifecycle = new Lifecycle(() -> {
                        terminator.stopAccepting();
                        if (mux != null) {
                            mux.stop("the client proxy is stopping");
                        }
                    },
                    () -> LOG.info("SIGHUP: the client proxy has nothing to reload; restart it to apply changes"),
                    grace, true)) {
                // logged once the signals are trapped: from here on SIGTERM is handled
                LOG.info(() -> "listening on " + listener.getLocalSocketAddress() + " for " + server + "/" + port
                        + " via " + address + " (" + proxy + ", upload " + settings.upload()
                        + ", transport " + settings.transport() + ")");
                if (mux != null) {
                    mux.start();
                }
                terminator.serve();
                Lifecycle.drain(terminator.openTunnels(), terminator::drain, grace);
            }
        } catch (final IOException failed) {
            throw new CliException(ExitCode.FAILURE, "accepting on " + listen + " failed: " + failed.getMessage());
        } catch (final InterruptedException stopping) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
        }
        return ExitCode.OK;
    }

    private String name(final Arguments args, final String option) throws CliException {
        final String value = required(args, option);
        if (!Names.isValid(value)) {
            throw invalid(args, option, Names.problem(value));
        }
        return value;
    }

    /**
     * Connections the kernel may hold for the accept loop. Java's default, 50, overflows when a burst
     * of clients connects at once; Linux then answers with SYN cookies, and a cookie connection whose
     * first small segment was dropped can be rebuilt from the next one, silently losing the first
     * bytes the client sent. The kernel caps this at net.core.somaxconn.
     */
    private static final int ACCEPT_BACKLOG = 1024;

    private static ServerSocket bind(final HostPort listen) throws CliException {
        try {
            // a channel's socket: accepted connections then have channels, which the mux transport serves
            final ServerSocket listener = ServerSocketChannel.open().socket();
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(listen.host(), listen.port()), ACCEPT_BACKLOG);
            return listener;
        } catch (final IOException | IllegalArgumentException failed) {
            throw new CliException(ExitCode.FAILURE, "cannot listen on " + listen + ": " + failed.getMessage());
        }
    }
}
