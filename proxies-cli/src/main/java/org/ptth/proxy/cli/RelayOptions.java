package org.ptth.proxy.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.metrics.MetricsEndpoint;
import org.ptth.proxy.metrics.ProxyMetrics;
import org.ptth.proxy.mux.MuxTransport;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.key.KeyFileException;
import org.ptth.proxy.relayclient.HttpProxySetting;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayProblem;
import org.ptth.proxy.relayclient.RelayTrust;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.UploadMode;

/**
 * The options the server and client commands share: where the relay is and how to reach it, the
 * key, the timing, the upload form and transport, logging and stopping.
 */
final class RelayOptions {

    static final int DEFAULT_GRACE_SECONDS = 10;

    private RelayOptions() {
    }

    /** The shared options that come first in the help: the relay and the key. */
    static Options addTo(final Options options) {
        return options
                .addOption(Option.builder().longOpt("relay").hasArg().argName("URL")
                        .desc("base URL of the relay, e.g. https://relay.example/ptth-relay/ (required)").get())
                .addOption(Option.builder().longOpt("key-file").hasArg().argName("FILE")
                        .desc("file with this proxy's key, made by ptth-proxy keygen, mode 600 (required)").get());
    }

    /** The shared options that come last in the help. */
    static Options addTail(final Options options) {
        return options
                .addOption(Option.builder().longOpt("heartbeat").hasArg().argName("SECONDS")
                        .desc("send a heartbeat on a tunnel direction silent this long, and a PING on a mux"
                                + " connection this often (default 10)").get())
                .addOption(Option.builder().longOpt("upload").hasArg().argName("stream|segments")
                        .desc("four-stream: send the outgoing direction as one streamed POST (default), or as"
                                + " finite POSTs of at most 512 KiB each, for reverse proxies that buffer request bodies").get())
                .addOption(Option.builder().longOpt("transport").hasArg().argName("auto|mux|four-stream|duplex")
                        .desc("auto: mux where the path to the relay passes WebSocket, else four-stream,"
                                + " decided on each connect and logged; mux: every tunnel inside one WebSocket"
                                + " connection to the relay; four-stream: four HTTP exchanges per tunnel; duplex: two,"
                                + " the outgoing direction as the body of connect/accept while their response carries"
                                + " the incoming one, for paths that pass a request body on while the response streams"
                                + " (direct or HAProxy, not nginx or Apache httpd); not with --upload segments;"
                                + " default " + Transport.DEFAULT).get())
                .addOption(Option.builder().longOpt("renew-after").hasArg().argName("SECONDS")
                        .desc("mux: replace the connection to the relay by a new one once it is this old (less up"
                                + " to a quarter, at random), new tunnels going on the new one while the old one's"
                                + " finish there, so that behind a load balancer the proxy follows where it sends"
                                + " this server now; 0: never (default "
                                + MuxTransport.Relay.DEFAULT_RENEW_AFTER.toSeconds() + ")").get())
                .addOption(Option.builder().longOpt("ca-file").hasArg().argName("FILE")
                        .desc("PEM certificates of a private CA to trust for an https relay, besides the system's").get())
                .addOption(Option.builder().longOpt("http-proxy").hasArg().argName("URL|none")
                        .desc("reach the relay through this HTTP proxy (http://HOST:PORT), or none; default:"
                                + " https_proxy or http_proxy (for the relay's scheme) unless no_proxy lists the host").get())
                .addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
                        .desc("read options from a properties file, keys named as these long options;"
                                + " the command line wins").get())
                .addOption(Option.builder().longOpt("log-file").hasArg().argName("FILE")
                        .desc("append the log to FILE instead of stderr").get())
                .addOption(Option.builder().longOpt("grace").hasArg().argName("SECONDS")
                        .desc("on SIGTERM or Ctrl-C, how long open tunnels may take to finish (default 10)").get())
                .addOption(Option.builder().longOpt("metrics-listen").hasArg().argName("HOST:PORT")
                        .desc("serve GET /metrics (Prometheus text format: relay connection, tunnels, bytes,"
                                + " setup time) on this address, e.g. 127.0.0.1:9464; off by default").get())
                .addOption(Option.builder().longOpt("fail-fast")
                        .desc("exit 4 if the relay cannot be reached at start, instead of retrying").get())
                .addOption(Option.builder("v").longOpt("verbose").desc("log debug detail").get());
    }

    /** The --metrics-listen endpoint, started; null when the option is not given. */
    static MetricsEndpoint metrics(final Command command, final Arguments args) throws CliException {
        final String value = args.value("metrics-listen");
        if (value == null || value.isBlank()) {
            return null;
        }
        final HostPort listen;
        try {
            listen = HostPort.parse(value.trim(), null);
        } catch (final IllegalArgumentException bad) {
            throw command.invalid(args, "metrics-listen", bad.getMessage());
        }
        try {
            final MetricsEndpoint endpoint = MetricsEndpoint.start(listen, ProxyMetrics.instance());
            Logger.getLogger(RelayOptions.class.getName()).info(() -> "metrics at http://" + listen + "/metrics");
            return endpoint;
        } catch (final IOException failed) {
            throw new CliException(ExitCode.FAILURE, "cannot serve metrics on " + listen + ": " + failed.getMessage());
        }
    }

    /** Once at start, after the log is set up: a key about to travel in clear is worth a word. */
    static void warnIfKeysInClear(final RelayAddress address) {
        if (address.sendsKeysInClear()) {
            Logger.getLogger(RelayOptions.class.getName()).warning(() -> "the relay URL " + address
                    + " is plain http to another machine: this proxy's key travels in clear on every call;"
                    + " use https (or a reverse proxy on this machine that adds TLS)");
        }
    }

    static RelayAddress relay(final Command command, final Arguments args) throws CliException {
        try {
            return RelayAddress.parse(command.required(args, "relay"));
        } catch (final IllegalArgumentException bad) {
            throw command.invalid(args, "relay", "is wrong: " + bad.getMessage());
        }
    }

    static String key(final Command command, final Arguments args) throws CliException {
        final Path file = Path.of(command.required(args, "key-file"));
        try {
            return KeyFile.load(file);
        } catch (final KeyFileException unsafe) {
            throw new CliException(ExitCode.CONFIG, unsafe.getMessage());
        }
    }

    static TunnelSettings settings(final Command command, final Arguments args) throws CliException {
        final long peerSeconds = TunnelSettings.DEFAULT_PEER_TIMEOUT.toSeconds();
        final int heartbeat = command.intOption(args, "heartbeat",
                (int) TunnelSettings.DEFAULT_HEARTBEAT.toSeconds(), 1, (int) peerSeconds / 2);
        final String upload = args.value("upload");
        UploadMode mode = UploadMode.STREAM;
        if (upload != null) {
            try {
                mode = UploadMode.parse(upload);
            } catch (final IllegalArgumentException bad) {
                throw command.invalid(args, "upload", bad.getMessage());
            }
        }
        final String transportText = args.value("transport");
        Transport transport = Transport.DEFAULT;
        if (transportText != null) {
            try {
                transport = Transport.parse(transportText);
            } catch (final IllegalArgumentException bad) {
                throw command.invalid(args, "transport", bad.getMessage());
            }
        }
        if (transport == Transport.DUPLEX && mode == UploadMode.SEGMENTS) {
            final String why = " exclude each other: duplex streams the upload inside connect or accept;"
                    + " behind a proxy that buffers request bodies use four-stream with segments";
            if (args.fromFile("transport") || args.fromFile("upload")) {
                throw new CliException(ExitCode.CONFIG, args.file().path() + ": transport duplex and upload segments"
                        + why);
            }
            throw command.usage("--transport duplex and --upload segments" + why);
        }
        return new TunnelSettings(Duration.ofSeconds(heartbeat), TunnelSettings.DEFAULT_PEER_TIMEOUT, mode, transport);
    }

    static Duration renewAfter(final Command command, final Arguments args) throws CliException {
        return Duration.ofSeconds(command.intOption(args, "renew-after",
                (int) MuxTransport.Relay.DEFAULT_RENEW_AFTER.toSeconds(), 0, 7 * 24 * 3600));
    }

    static Duration grace(final Command command, final Arguments args) throws CliException {
        return Duration.ofSeconds(command.intOption(args, "grace", DEFAULT_GRACE_SECONDS, 0, 3600));
    }

    /** How to reach the relay: --http-proxy, else the environment's proxy variables. */
    static HttpProxySetting proxy(final Command command, final Arguments args, final RelayAddress address,
                                  final Map<String, String> env) throws CliException {
        try {
            return HttpProxySetting.resolve(args.value("http-proxy"), address.scheme(), env);
        } catch (final IllegalArgumentException bad) {
            if (args.value("http-proxy") != null) {
                throw command.invalid(args, "http-proxy", "is wrong: " + bad.getMessage());
            }
            throw new CliException(ExitCode.CONFIG, "proxy environment variable: " + bad.getMessage());
        }
    }

    /** The SSLContext for --ca-file, or null for the system's trust store. */
    static SSLContext tls(final Arguments args) throws CliException {
        final String caFile = args.value("ca-file");
        if (caFile == null || caFile.isBlank()) {
            return null;
        }
        try {
            return RelayTrust.withCaFile(Path.of(caFile.trim()));
        } catch (final IOException bad) {
            throw new CliException(ExitCode.CONFIG, bad.getMessage());
        }
    }

    static void configureLog(final Arguments args) throws CliException {
        final String logFile = args.value("log-file");
        LogSetup.configure(args.flag("verbose"), logFile == null || logFile.isBlank() ? null : Path.of(logFile.trim()));
    }

    /** With --fail-fast: one call to the relay, and exit 4 when no HTTP answer comes back. */
    static void checkReachable(final Arguments args, final RelayClient relay) throws CliException {
        if (!args.flag("fail-fast")) {
            return;
        }
        try {
            relay.probe();
        } catch (final IOException unreachable) {
            throw new CliException(ExitCode.RELAY_UNREACHABLE, "relay " + relay.address() + " unreachable: "
                    + RelayProblem.describe(unreachable));
        }
    }
}
