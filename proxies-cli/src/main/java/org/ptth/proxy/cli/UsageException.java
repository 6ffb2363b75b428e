package org.ptth.proxy.cli;

/** A wrong command line; the message points at the help of the command that was used. */
public class UsageException extends CliException {

    private static final long serialVersionUID = 1L;

    private final String command;

    /** @param command the subcommand whose help to point at, or null for the top-level help */
    public UsageException(final String command, final String message) {
        super(ExitCode.USAGE, message);
        this.command = command;
    }

    /** Where to look for help, e.g. {@code ptth-proxy client --help}. */
    public String helpHint() {
        return "ptth-proxy " + (command == null ? "" : command + " ") + "--help";
    }
}
