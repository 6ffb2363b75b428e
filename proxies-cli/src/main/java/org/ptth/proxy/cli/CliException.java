package org.ptth.proxy.cli;

/** A failure that ends the command with a one-line message and an exit code. */
public class CliException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliException(final int exitCode, final String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
