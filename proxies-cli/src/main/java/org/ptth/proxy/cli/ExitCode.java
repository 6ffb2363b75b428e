package org.ptth.proxy.cli;

/** The process exit codes, as documented in {@code ptth-proxy --help}. */
public final class ExitCode {

    public static final int OK = 0;
    /** Something failed while running: a port in use, a lost relay. */
    public static final int FAILURE = 1;
    /** The command line is wrong. */
    public static final int USAGE = 2;
    /** A configuration file is wrong or unsafe: the key file, the --config file, the CA file, the log file. */
    public static final int CONFIG = 3;
    /** With --fail-fast: the relay could not be reached at start. */
    public static final int RELAY_UNREACHABLE = 4;

    private ExitCode() {
    }
}
