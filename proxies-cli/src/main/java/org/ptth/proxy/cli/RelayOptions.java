package org.ptth.proxy.cli;

import java.nio.file.Path;
import java.time.Duration;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.key.KeyFileException;
import org.ptth.proxy.relay.RelayAddress;
import org.ptth.proxy.tunnel.TunnelSettings;

/** The options the server and client commands share: where the relay is, the key, the timing. */
final class RelayOptions {

    private RelayOptions() {
    }

    static Options addTo(final Options options) {
        return options
                .addOption(Option.builder().longOpt("relay").hasArg().argName("URL")
                        .desc("base URL of the relay, e.g. http://relay.example:8080/ptth-relay/ (required)").get())
                .addOption(Option.builder().longOpt("key-file").hasArg().argName("FILE")
                        .desc("file with this proxy's key, made by ptth-proxy keygen, mode 600 (required)").get())
                .addOption(Option.builder().longOpt("heartbeat").hasArg().argName("SECONDS")
                        .desc("send a heartbeat on a tunnel direction silent this long (default 10)").get())
                .addOption(Option.builder("v").longOpt("verbose").desc("log debug detail").get());
    }

    static RelayAddress relay(final Command command, final CommandLine line) throws UsageException {
        try {
            return RelayAddress.parse(command.required(line, "relay"));
        } catch (final IllegalArgumentException bad) {
            throw command.usage(bad.getMessage());
        }
    }

    static String key(final Command command, final CommandLine line) throws CliException {
        final Path file = Path.of(command.required(line, "key-file"));
        try {
            return KeyFile.load(file);
        } catch (final KeyFileException unsafe) {
            throw new CliException(ExitCode.CONFIG, unsafe.getMessage());
        }
    }

    static TunnelSettings settings(final Command command, final CommandLine line) throws UsageException {
        final long peerSeconds = TunnelSettings.DEFAULT_PEER_TIMEOUT.toSeconds();
        final int heartbeat = command.intOption(line, "heartbeat",
                (int) TunnelSettings.DEFAULT_HEARTBEAT.toSeconds(), 1, (int) peerSeconds / 2);
        return new TunnelSettings(Duration.ofSeconds(heartbeat), TunnelSettings.DEFAULT_PEER_TIMEOUT);
    }

    static boolean verbose(final CommandLine line) {
        return line.hasOption("verbose");
    }
}
