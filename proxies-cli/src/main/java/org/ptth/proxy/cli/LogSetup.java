package org.ptth.proxy.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** One line per record on stderr: date, time, level, message. */
final class LogSetup {

    private static final String FORMAT = "%1$tF %1$tT %4$s %5$s%6$s%n";

    private LogSetup() {
    }

    static void configure(final boolean verbose) {
        // SimpleFormatter reads its format when constructed, so the property goes first
        System.setProperty("java.util.logging.SimpleFormatter.format", FORMAT);
        final Logger root = Logger.getLogger("");
        for (final Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        final ConsoleHandler stderr = new ConsoleHandler();
        stderr.setFormatter(new SimpleFormatter());
        stderr.setLevel(verbose ? Level.FINE : Level.INFO);
        root.addHandler(stderr);
        root.setLevel(Level.INFO);
        // --verbose is about ptth; HttpClient's own debug output is wire-level noise
        Logger.getLogger("org.ptth").setLevel(verbose ? Level.FINE : Level.INFO);
    }
}
