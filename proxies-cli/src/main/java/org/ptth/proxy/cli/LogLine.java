package org.ptth.proxy.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The proxies' log line: {@code 2026-12-06 01:34:04 INFO message}, then the stack trace of a
 * throwable if the record has one. A proxy writes two lines per tunnel (opened, closed) on the
 * thread that carries the tunnel's bytes, so the line is built without what made SimpleFormatter
 * cost about 200 us a line on the proxies' quick compiler: {@code String.format} with its date
 * conversions, and the caller lookup (a stack walk) it does for every record even when the format
 * does not print the caller. The date and time are made once per second.
 */
final class LogLine extends Formatter {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** The second last formatted and its text: one immutable pair, so that threads may race on it. */
    private record Second(long epochSecond, String text) {
    }

    private final ZoneId zone;
    private volatile Second last = new Second(Long.MIN_VALUE, "");

    LogLine() {
        this(ZoneId.systemDefault());
    }

    LogLine(final ZoneId zone) {
        this.zone = zone;
    }

    @Override
    public String format(final LogRecord record) {
        final String message = String.valueOf(formatMessage(record)); // a record without a message says null, as before
        final StringBuilder line = new StringBuilder(32 + message.length())
                .append(stamp(record.getInstant())).append(' ')
                .append(record.getLevel().getLocalizedName()).append(' ')
                .append(message);
        final Throwable thrown = record.getThrown();
        if (thrown != null) {
            final StringWriter trace = new StringWriter();
            try (PrintWriter out = new PrintWriter(trace)) {
                out.println();
                thrown.printStackTrace(out);
            }
            line.append(trace);
        } else {
            line.append(System.lineSeparator());
        }
        return line.toString();
    }

    private String stamp(final Instant instant) {
        final long second = instant.getEpochSecond();
        final Second known = last;
        if (known.epochSecond() == second) {
            return known.text();
        }
        final String text = STAMP.format(instant.atZone(zone));
        last = new Second(second, text);
        return text;
    }
}
