package org.ptth.proxy.cli;

import java.io.PrintStream;

/** Where a command prints: results to {@code out}, messages to {@code err}; swapped in tests. */
public record Terminal(PrintStream out, PrintStream err) {

    public static Terminal system() {
        return new Terminal(System.out, System.err);
    }
}
