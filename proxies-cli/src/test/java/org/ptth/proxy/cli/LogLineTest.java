package org.ptth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

class LogLineTest {

    private static final String NL = System.lineSeparator();

    private final LogLine format = new LogLine(ZoneId.of("UTC"));

    private static LogRecord record(final Level level, final String message, final String instant) {
        final LogRecord record = new LogRecord(level, message);
        record.setInstant(Instant.parse(instant));
        return record;
    }

    @Test
    void dateTimeLevelAndMessageOnOneLine() {
        assertEquals("2026-12-06 01:34:04 INFO tunnel m2.7 opened to web" + NL,
                format.format(record(Level.INFO, "tunnel m2.7 opened to web", "2026-12-06T01:34:04.250Z")));
    }

    @Test
    void theZoneIsApplied() {
        final LogLine paris = new LogLine(ZoneId.of("Europe/Paris"));
        assertEquals("2026-12-06 02:34:04 WARNING late" + NL,
                paris.format(record(Level.WARNING, "late", "2026-12-06T01:34:04Z")));
    }

    @Test
    void eachRecordGetsItsOwnSecondEvenOutOfOrder() {
        assertTrue(format.format(record(Level.INFO, "a", "2026-12-06T01:34:04.100Z")).startsWith("2026-12-06 01:34:04 "));
        assertTrue(format.format(record(Level.INFO, "b", "2026-12-06T01:34:04.900Z")).startsWith("2026-12-06 01:34:04 "));
        assertTrue(format.format(record(Level.INFO, "c", "2026-12-06T01:34:05.000Z")).startsWith("2026-12-06 01:34:05 "));
        // a record made just before another thread's later one is written after it
        assertTrue(format.format(record(Level.INFO, "d", "2026-12-06T01:34:04.999Z")).startsWith("2026-12-06 01:34:04 "));
        assertTrue(format.format(record(Level.INFO, "e", "2026-12-07T00:00:00Z")).startsWith("2026-12-07 00:00:00 "));
    }

    @Test
    void parametersAreFilledIn() {
        final LogRecord record = record(Level.INFO, "connected to {0} (connection {1})", "2026-12-06T01:34:04Z");
        record.setParameters(new Object[] {"ws://relay/v1/s/mux", 2});
        assertEquals("2026-12-06 01:34:04 INFO connected to ws://relay/v1/s/mux (connection 2)" + NL, format.format(record));
    }

    @Test
    void aRecordWithoutMessageIsStillALine() {
        assertEquals("2026-12-06 01:34:04 SEVERE null" + NL, format.format(record(Level.SEVERE, null, "2026-12-06T01:34:04Z")));
    }

    @Test
    void aThrowableFollowsWithItsTrace() {
        final LogRecord record = record(Level.WARNING, "failed", "2026-12-06T01:34:04Z");
        record.setThrown(new IllegalStateException("broken pipe"));
        final String line = format.format(record);
        assertTrue(line.startsWith("2026-12-06 01:34:04 WARNING failed" + NL + "java.lang.IllegalStateException: broken pipe" + NL
                + "\tat "), line);
        assertTrue(line.endsWith(NL), line);
    }
}
