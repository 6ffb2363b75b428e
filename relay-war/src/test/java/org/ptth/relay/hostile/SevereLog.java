package org.ptth.relay.hostile;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Listens on the root java.util.logging logger (the relay's and Tomcat's records both end there)
 * for what a hostile request must never cause: a SEVERE record, or any record of the relay that
 * carries a stack trace at WARNING or above.
 */
final class SevereLog extends Handler {
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    static SevereLog attach() {
        final SevereLog log = new SevereLog();
        log.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(log);
        return log;
    }

    void detach() {
        Logger.getLogger("").removeHandler(this);
    }

    @Override
    public void publish(final LogRecord record) {
        final boolean severe = record.getLevel().intValue() >= Level.SEVERE.intValue();
        final boolean relayTrace = record.getLevel().intValue() >= Level.WARNING.intValue()
                && record.getThrown() != null
                && record.getLoggerName() != null && record.getLoggerName().startsWith("org.ptth");
        if (severe || relayTrace) {
            records.add(record);
        }
    }

    /** Proves the handler hears the root logger: one SEVERE record is logged on purpose, caught, forgotten. */
    void selfCheck() {
        Logger.getLogger("org.ptth.relay.hostile.selfcheck").severe("self-check of the test's SEVERE recorder (expected)");
        if (records.size() != 1) {
            throw new IllegalStateException("the SEVERE recorder does not hear the root logger");
        }
        records.clear();
    }

    /** Fails with every record seen since the last call, and forgets them. */
    void assertNoneAndClear(final String during) {
        final List<LogRecord> seen = List.copyOf(records);
        records.clear();
        if (seen.isEmpty()) {
            return;
        }
        final StringWriter text = new StringWriter();
        final PrintWriter out = new PrintWriter(text);
        out.println(seen.size() + " record(s) logged during " + during + ":");
        for (final LogRecord r : seen) {
            out.println(r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage());
            if (r.getThrown() != null) {
                r.getThrown().printStackTrace(out);
            }
        }
        out.flush();
        fail(text.toString());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
