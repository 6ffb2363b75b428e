package org.ptth.proxy.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ptth.protocol.Names;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.key.KeyFileException;
import org.ptth.proxy.key.KeyHash;

/**
 * {@code ptth-proxy keygen}: makes a key file and prints the relay config lines for it. Only the
 * config lines go to stdout, so that {@code >> relay.properties} is all an operator needs.
 */
final class KeygenCommand extends Command {

    @Override
    String name() {
        return "keygen";
    }

    @Override
    String summary() {
        return "Make a new key file (mode 600) and print the relay config lines that admit it.";
    }

    @Override
    String syntax() {
        return "(--server NAME | --client NAME --allow SERVER[/PORT] [--allow ...] | --admin) --out FILE";
    }

    @Override
    Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("server").hasArg().argName("NAME")
                        .desc("make a key for the server NAME").get())
                .addOption(Option.builder().longOpt("client").hasArg().argName("NAME")
                        .desc("make a key for the client NAME").get())
                .addOption(Option.builder().longOpt("admin")
                        .desc("make the key of the relay's status endpoint").get())
                .addOption(Option.builder().longOpt("allow").hasArg().argName("SERVER[/PORT]")
                        .desc("(client only) a server port the client may reach; SERVER alone allows every port"
                                + " of that server; repeat for more").get())
                .addOption(Option.builder().longOpt("out").hasArg().argName("FILE")
                        .desc("the key file to create; an existing file is never overwritten (required)").get());
    }

    @Override
    String footer() {
        return "Prints server.NAME.key-sha256=HASH, or client.NAME.key-sha256=HASH and client.NAME.allow=LIST,"
                + " or admin.key-sha256=HASH, for the relay config. Exit code 3 if FILE exists or cannot be created.";
    }

    @Override
    int execute(final Arguments args, final Terminal terminal) throws CliException {
        final String server = args.value("server");
        final String client = args.value("client");
        final boolean admin = args.flag("admin");
        if ((server != null ? 1 : 0) + (client != null ? 1 : 0) + (admin ? 1 : 0) != 1) {
            throw usage("give exactly one of --server NAME, --client NAME and --admin");
        }
        if (admin) {
            allowed(args, false);
            return writeKey(Path.of(required(args, "out")), "admin", "admin.key-sha256=", terminal);
        }
        final String name = server != null ? server.trim() : client.trim();
        if (!Names.isValid(name)) {
            throw usage("the name " + Names.problem(name));
        }
        final List<String> allowed = allowed(args, client != null);
        final Path out = Path.of(required(args, "out"));

        final String kind = server != null ? "server" : "client";
        final String extra = client != null ? "\nclient." + name + ".allow=" + String.join(",", allowed) : "";
        return writeKey(out, kind, kind + "." + name + ".key-sha256=", extra, terminal);
    }

    private static int writeKey(final Path out, final String kind, final String hashLinePrefix,
                                final Terminal terminal) throws CliException {
        return writeKey(out, kind, hashLinePrefix, "", terminal);
    }

    /** Creates the key file, then prints its hash line (and any extra lines) for the relay config. */
    private static int writeKey(final Path out, final String kind, final String hashLinePrefix, final String extraLines,
                                final Terminal terminal) throws CliException {
        final String key = KeyFile.generateKey();
        try {
            KeyFile.create(out, key);
        } catch (final KeyFileException failed) {
            throw new CliException(ExitCode.CONFIG, failed.getMessage());
        }
        terminal.out().println(hashLinePrefix + KeyHash.of(key) + extraLines);
        terminal.out().flush();
        terminal.err().println("ptth-proxy: wrote the " + kind + " key to " + out
                + " (mode 600); add the lines above to the relay config");
        return ExitCode.OK;
    }

    private List<String> allowed(final Arguments args, final boolean forClient) throws UsageException {
        final List<String> values = args.values("allow");
        if (!forClient) {
            if (values != null) {
                throw usage("--allow is for client keys only");
            }
            return List.of();
        }
        if (values == null) {
            throw usage("missing --allow (a client key must be allowed to reach at least one server)");
        }
        final List<String> allowed = new ArrayList<>();
        for (final String value : values) {
            final String entry = value.trim();
            final int slash = entry.indexOf('/');
            final boolean valid = slash < 0
                    ? Names.isValid(entry)
                    : Names.isValid(entry.substring(0, slash)) && Names.isValid(entry.substring(slash + 1));
            if (!valid) {
                throw usage("--allow '" + value + "' is not SERVER or SERVER/PORT");
            }
            if (!allowed.contains(entry)) {
                allowed.add(entry);
            }
        }
        return allowed;
    }
}
