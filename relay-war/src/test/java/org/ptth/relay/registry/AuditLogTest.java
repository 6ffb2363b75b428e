package org.ptth.relay.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AuditLogTest {

    private final Logger audit = Logger.getLogger("org.ptth.relay.audit");
    private final List<LogRecord> records = new ArrayList<>();
    private Level before;

    /** A filter sees each record the logger takes; it keeps them here, and none goes to the handlers. */
    @BeforeEach
    void listen() {
        before = audit.getLevel();
        audit.setFilter(record -> {
            records.add(record);
            return false;
        });
    }

    @AfterEach
    void stop() {
        audit.setFilter(null);
        audit.setLevel(before);
    }

    @Test
    void aLineIsInfoOnTheAuditLoggerWithItsSourceGiven() {
        audit.setLevel(Level.INFO);
        new AuditLog(Tunnel.class).line("closed", () -> "tunnel 7 closed: client c to s/p");
        assertEquals(1, records.size());
        final LogRecord line = records.get(0);
        assertEquals(Level.INFO, line.getLevel());
        assertEquals("org.ptth.relay.audit", line.getLoggerName());
        assertEquals("tunnel 7 closed: client c to s/p", line.getMessage());
        // given, not looked up from the stack (which would name this test)
        assertEquals(Tunnel.class.getName(), line.getSourceClassName());
        assertEquals("closed", line.getSourceMethodName());
    }

    @Test
    void theTextIsNotMadeWhenTheAuditIsOff() {
        audit.setLevel(Level.WARNING);
        final AtomicBoolean made = new AtomicBoolean();
        new AuditLog(Tunnel.class).line("opened", () -> {
            made.set(true);
            return "tunnel 7 opened";
        });
        assertFalse(made.get());
        assertEquals(List.of(), records);
    }
}
