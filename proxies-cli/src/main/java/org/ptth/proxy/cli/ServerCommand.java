package org.ptth.proxy.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ptth.protocol.Names;
import org.ptth.proxy.metrics.MetricsEndpoint;
import org.ptth.proxy.mux.MuxTransport;
import org.ptth.proxy.relayclient.HttpProxySetting;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.server.Exposure;
import org.ptth.proxy.server.ServerTerminator;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/** {@code ptth-proxy server}: exposes local TCP ports through the relay under port names. */
final class ServerCommand extends Command {

    private static final Logger LOG = Logger.getLogger(ServerCommand.class.getName());

    @Override
    String name() {
        return "server";
    }

    @Override
    String summary() {
        return "Expose local TCP services through the relay; runs until stopped.";
    }

    @Override
    String syntax() {
        return "--relay URL --key-file FILE --name NAME --expose PORTNAME=HOST:PORT [--expose ...] [options]";
    }

    @Override
    Options options() {
        return RelayOptions.addTail(RelayOptions.addTo(new Options())
                .addOption(Option.builder().longOpt("name").hasArg().argName("NAME")
                        .desc("this server's name, as in the relay config line server.NAME.key-sha256 (required)").get())
                .addOption(Option.builder().longOpt("expose").hasArg().argName("PORTNAME=HOST:PORT")
                        .desc("offer HOST:PORT to clients under PORTNAME; repeat for more (at least one);"
                                + " in a --config file: expose=A,B or expose.1=..., expose.2=...").get())
                .addOption(Option.builder().longOpt("polls").hasArg().argName("N")
                        .desc("listen polls kept open per port name, i.e. connections set up at once (default 4)").get()));
    }

    @Override
    Set<String> listOptions() {
        return Set.of("expose");
    }

    @Override
    String footer() {
        return "The server connects only to the HOST:PORT pairs given here, whatever the relay asks. "
                + "While the relay is unreachable or rejects the key it retries with backoff (up to 30 s). "
                + "With --config, SIGHUP or an edit of the file (checked every 2 s) reloads the exposed ports;"
                + " open tunnels stay. On SIGTERM or Ctrl-C it stops polling, lets open tunnels finish for"
                + " --grace seconds, and exits 0. Exit codes: 0 ok, 1 runtime failure, 2 usage, 3 configuration,"
                + " 4 relay unreachable at start (--fail-fast).";
    }

    @Override
    int execute(final Arguments args, final Terminal terminal) throws CliException {
        final RelayAddress address = RelayOptions.relay(this, args);
        final String name = required(args, "name");
        if (!Names.isValid(name)) {
            throw invalid(args, "name", Names.problem(name));
        }
        final List<Exposure> exposures = exposures(args);
        final int polls = intOption(args, "polls", 4, 1, 64);
        final TunnelSettings settings = RelayOptions.settings(this, args);
        final Duration grace = RelayOptions.grace(this, args);
        final Duration renewAfter = RelayOptions.renewAfter(this, args);
        final HttpProxySetting proxy = RelayOptions.proxy(this, args, address, System.getenv());
        final SSLContext tls = RelayOptions.tls(args);
        final String key = RelayOptions.key(this, args);
        RelayOptions.configureLog(args);
        RelayOptions.warnIfKeysInClear(address);

        final ExecutorService pool = TunnelThreads.newPool();
        try (MetricsEndpoint metrics = RelayOptions.metrics(this, args);
             RelayClient relay = new RelayClient(address, key, tls, proxy);
             ServerTerminator terminator = new ServerTerminator(relay, name, exposures, polls, settings, pool);
             MuxTransport mux = settings.transport().triesMux()
                     ? MuxTransport.server(new MuxTransport.Relay(address, key, tls, proxy, renewAfter), settings, name, exposures,
                             terminator)
                     : null) {
            RelayOptions.checkReachable(args, relay);
            final Path configFile = args.file() == null ? null : args.file().path();
            try (ReloadTrigger watcher = configFile == null ? null
                         : new ReloadTrigger(configFile, () -> reload(args, configFile, terminator, mux));
                 Lifecycle lifecycle = new Lifecycle(() -> {
                             terminator.stopPolling();
                             if (mux != null) {
                                 mux.stop("the server proxy is stopping");
                             }
                         },
                         watcher == null ? null : watcher::reloadNow, grace, true)) {
                // logged once the signals are trapped: from here on SIGHUP and SIGTERM are handled
                for (final Exposure exposure : exposures) {
                    LOG.info(() -> "exposing " + name + "/" + exposure.name() + " -> " + exposure.target()
                            + " via " + address + " (" + proxy + ", " + polls + " polls, upload "
                            + settings.upload() + ", transport " + settings.transport() + ")");
                }
                if (mux != null) {
                    mux.start(); // in auto mode it starts the listen polls if the relay path refuses mux
                } else {
                    terminator.start();
                }
                if (watcher != null) {
                    watcher.start();
                }
                terminator.awaitStop();
                if (watcher != null) {
                    watcher.close();
                }
                Lifecycle.drain(terminator.openTunnels(), terminator::drain, grace);
            }
        } catch (final InterruptedException stopping) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
        }
        return ExitCode.OK;
    }

    /** Reads the config file again and applies its exposed ports; one log line says what changed. */
    private void reload(final Arguments args, final Path file, final ServerTerminator terminator,
                        final MuxTransport mux) {
        try {
            final List<Exposure> exposures = exposures(args.withFile(loadConfig(file)));
            final String change = terminator.update(exposures);
            if (mux != null) {
                mux.update(exposures);
            }
            final String note = args.typed("expose") ? " (--expose on the command line wins over the file)" : "";
            LOG.info(() -> "reloaded " + file + ": " + change + note);
        } catch (final CliException | RuntimeException bad) {
            LOG.warning(() -> "reload of " + file + " failed, the exposed ports stay as they were: "
                    + bad.getMessage());
        }
    }

    private List<Exposure> exposures(final Arguments args) throws CliException {
        final List<String> values = args.values("expose");
        if (values == null || values.isEmpty()) {
            throw usage("missing --expose");
        }
        final List<Exposure> exposures = new ArrayList<>();
        for (final String value : values) {
            final Exposure exposure;
            try {
                exposure = Exposure.parse(value.trim());
            } catch (final IllegalArgumentException bad) {
                throw invalid(args, "expose", bad.getMessage());
            }
            if (exposures.stream().anyMatch(known -> known.name().equals(exposure.name()))) {
                throw invalid(args, "expose", "names port " + exposure.name() + " twice");
            }
            exposures.add(exposure);
        }
        return exposures;
    }
}
