package org.ptth.proxy.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/** One {@link LogLine} per record, on stderr or appended to a file. */
final class LogSetup {

    private LogSetup() {
    }

    /**
     * @param logFile the file to append to, or null for stderr
     * @throws CliException (exit 3) when the log file cannot be opened
     */
    static void configure(final boolean verbose, final Path logFile) throws CliException {
        final Handler handler;
        if (logFile == null) {
            handler = new ConsoleHandler();
        } else {
            final OutputStream out;
            try {
                out = new FileOutputStream(logFile.toFile(), true);
            } catch (final IOException cannot) {
                throw new CliException(ExitCode.CONFIG, "cannot open --log-file " + logFile + ": " + cannot.getMessage());
            }
            handler = new FlushingHandler(out);
        }
        handler.setFormatter(new LogLine());
        handler.setLevel(verbose ? Level.FINE : Level.INFO);
        final Logger root = Logger.getLogger("");
        for (final Handler old : root.getHandlers()) {
            root.removeHandler(old);
            old.close();
        }
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        // --verbose is about ptth; HttpClient's own debug output is wire-level noise
        Logger.getLogger("org.ptth").setLevel(verbose ? Level.FINE : Level.INFO);
    }

    /** Writes each line through at once, so that a tail -f or a crash loses nothing. */
    private static final class FlushingHandler extends StreamHandler {

        FlushingHandler(final OutputStream out) {
            super(out, new LogLine());
        }

        @Override
        public synchronized void publish(final LogRecord record) {
            super.publish(record);
            flush();
        }
    }
}
