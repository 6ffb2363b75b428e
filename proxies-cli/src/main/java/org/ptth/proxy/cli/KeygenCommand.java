package org.ptth.proxy.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.key.KeyFileException;
import org.ptth.proxy.key.KeyHash;
import org.ptth.proxy.relay.ProtocolNames;

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
        return "(--server NAME | --client NAME --allow SERVER[/PORT] [--allow ...]) --out FILE";
    }

    @Override
    Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("server").hasArg().argName("NAME")
                        .desc("make a key for the server NAME").get())
                .addOption(Option.builder().longOpt("client").hasArg().argName("NAME")
                        .desc("make a key for the client NAME").get())
                .addOption(Option.builder().longOpt("allow").hasArg().argName("SERVER[/PORT]")
                        .desc("(client only) a server port the client may reach; SERVER alone allows every port"
                                + " of that server; repeat for more").get())
                .addOption(Option.builder().longOpt("out").hasArg().argName("FILE")
                        .desc("the key file to create; an existing file is never overwritten (required)").get());
    }

    @Override
    String footer() {
        return "Prints server.NAME.key-sha256=HASH, or client.NAME.key-sha256=HASH and client.NAME.allow=LIST,"
                + " for the relay config. Exit code 3 if FILE exists or cannot be created.";
    }

    @Override
    int execute(final CommandLine line, final Terminal terminal) throws CliException {
        final String server = line.getOptionValue("server");
        final String client = line.getOptionValue("client");
        if ((server == null) == (client == null)) {
            throw usage("give exactly one of --server NAME and --client NAME");
        }
        final String name = server != null ? server.trim() : client.trim();
        if (!ProtocolNames.isName(name)) {
            throw usage("the name must match [A-Za-z0-9._-]{1,64}");
        }
        final List<String> allowed = allowed(line, client != null);
        final Path out = Path.of(required(line, "out"));

        final String key = KeyFile.generateKey();
        try {
            KeyFile.create(out, key);
        } catch (final KeyFileException failed) {
            throw new CliException(ExitCode.CONFIG, failed.getMessage());
        }
        final String kind = server != null ? "server" : "client";
        terminal.out().println(kind + "." + name + ".key-sha256=" + KeyHash.of(key));
        if (client != null) {
            terminal.out().println("client." + name + ".allow=" + String.join(",", allowed));
        }
        terminal.out().flush();
        terminal.err().println("ptth-proxy: wrote the " + kind + " key to " + out
                + " (mode 600); add the lines above to the relay config");
        return ExitCode.OK;
    }

    private List<String> allowed(final CommandLine line, final boolean forClient) throws UsageException {
        final String[] values = line.getOptionValues("allow");
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
                    ? ProtocolNames.isName(entry)
                    : ProtocolNames.isName(entry.substring(0, slash)) && ProtocolNames.isName(entry.substring(slash + 1));
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
