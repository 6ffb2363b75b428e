package org.ptth.proxy.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The entry point of {@code ptth-proxy}: picks the command, turns every failure into one line on
 * stderr and an exit code. The only place that calls {@link System#exit}.
 */
public final class Main {

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(final String[] args) {
        System.exit(run(args, Terminal.system()));
    }

    /** Runs a command line and returns the exit code; never throws. */
    public static int run(final String[] args, final Terminal terminal) {
        final Map<String, Command> commands = commands();
        try {
            if (args.length == 0) {
                throw new UsageException(null, "missing command: server, client or keygen");
            }
            final String first = args[0];
            if (first.equals("--help") || first.equals("-h") || first.equals("help")) {
                printHelp(commands, terminal);
                return ExitCode.OK;
            }
            final Command command = commands.get(first);
            if (command == null) {
                throw new UsageException(null, "unknown command '" + first + "'");
            }
            return command.run(Arrays.copyOfRange(args, 1, args.length), terminal);
        } catch (final UsageException wrong) {
            terminal.err().println("ptth-proxy: " + wrong.getMessage() + " (see " + wrong.helpHint() + ")");
            return wrong.exitCode();
        } catch (final CliException failed) {
            terminal.err().println("ptth-proxy: " + failed.getMessage());
            return failed.exitCode();
        } catch (final RuntimeException bug) {
            LOG.log(Level.FINE, "internal error", bug);
            terminal.err().println("ptth-proxy: internal error: " + bug);
            return ExitCode.FAILURE;
        }
    }

    private static Map<String, Command> commands() {
        final Map<String, Command> commands = new LinkedHashMap<>();
        for (final Command command : new Command[] {new ServerCommand(), new ClientCommand(), new KeygenCommand()}) {
            commands.put(command.name(), command);
        }
        return commands;
    }

    private static void printHelp(final Map<String, Command> commands, final Terminal terminal) {
        final StringBuilder help = new StringBuilder()
                .append("usage: ptth-proxy COMMAND [options]   (ptth-proxy COMMAND --help for its options)\n\n")
                .append("Carries TCP connections over HTTP through a ptth relay.\n\n")
                .append("commands:\n");
        commands.values().forEach(command ->
                help.append(String.format("  %-8s %s%n", command.name(), command.summary())));
        help.append("\nexit codes:\n")
                .append("  0  success\n")
                .append("  1  runtime failure (e.g. the listen port is in use)\n")
                .append("  2  usage error (wrong or missing options)\n")
                .append("  3  configuration error (key file missing, unsafe, malformed or already existing;\n")
                .append("     --config file unreadable or with an unknown key; --ca-file or --log-file unusable)\n")
                .append("  4  relay unreachable at start (with --fail-fast)\n")
                .append("\nLogs go to stderr (or --log-file), one line each; JAVA_OPTS passes options to the JVM.\n");
        terminal.out().print(help);
        terminal.out().flush();
    }
}
