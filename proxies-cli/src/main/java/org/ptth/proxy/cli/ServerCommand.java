package org.ptth.proxy.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ptth.proxy.relay.ProtocolNames;
import org.ptth.proxy.relay.RelayAddress;
import org.ptth.proxy.relay.RelayClient;
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
        return RelayOptions.addTo(new Options())
                .addOption(Option.builder().longOpt("name").hasArg().argName("NAME")
                        .desc("this server's name, as in the relay config line server.NAME.key-sha256 (required)").get())
                .addOption(Option.builder().longOpt("expose").hasArg().argName("PORTNAME=HOST:PORT")
                        .desc("offer HOST:PORT to clients under PORTNAME; repeat for more (at least one)").get())
                .addOption(Option.builder().longOpt("polls").hasArg().argName("N")
                        .desc("listen polls kept open per port name, i.e. connections set up at once (default 4)").get());
    }

    @Override
    String footer() {
        return "The server connects only to the HOST:PORT pairs given here, whatever the relay asks. "
                + "While the relay is unreachable or rejects the key it retries with backoff (up to 30 s).";
    }

    @Override
    int execute(final CommandLine line, final Terminal terminal) throws CliException {
        final RelayAddress address = RelayOptions.relay(this, line);
        final String name = required(line, "name");
        if (!ProtocolNames.isName(name)) {
            throw usage("--name must match [A-Za-z0-9._-]{1,64}");
        }
        final List<Exposure> exposures = exposures(line);
        final int polls = intOption(line, "polls", 4, 1, 64);
        final TunnelSettings settings = RelayOptions.settings(this, line);
        final String key = RelayOptions.key(this, line);
        LogSetup.configure(RelayOptions.verbose(line));

        final ExecutorService pool = TunnelThreads.newPool();
        try (RelayClient relay = new RelayClient(address, key);
             ServerTerminator terminator = new ServerTerminator(relay, name, exposures, polls, settings, pool)) {
            for (final Exposure exposure : exposures) {
                LOG.info(() -> "exposing " + name + "/" + exposure.name() + " -> " + exposure.target()
                        + " via " + address + " (" + polls + " polls)");
            }
            terminator.start();
            terminator.awaitStop();
        } catch (final InterruptedException stopping) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
        }
        return ExitCode.OK;
    }

    private List<Exposure> exposures(final CommandLine line) throws UsageException {
        final String[] values = line.getOptionValues("expose");
        if (values == null) {
            throw usage("missing --expose");
        }
        final List<Exposure> exposures = new ArrayList<>();
        for (final String value : values) {
            final Exposure exposure;
            try {
                exposure = Exposure.parse(value.trim());
            } catch (final IllegalArgumentException bad) {
                throw usage(bad.getMessage());
            }
            if (exposures.stream().anyMatch(known -> known.name().equals(exposure.name()))) {
                throw usage("--expose names port " + exposure.name() + " twice");
            }
            exposures.add(exposure);
        }
        return exposures;
    }
}
