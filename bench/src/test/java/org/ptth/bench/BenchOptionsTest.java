package org.ptth.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    private static final List<String> REQUIRED = List.of("--root", "/r", "--tomcat-home", "/t");

    private static BenchOptions parse(final String... more) throws BenchOptions.UsageException {
        final java.util.ArrayList<String> args = new java.util.ArrayList<>(REQUIRED);
        args.addAll(List.of(more));
        return BenchOptions.parse(args);
    }

    @Test
    void defaults() throws Exception {
        final BenchOptions o = parse();
        assertFalse(o.quick());
        assertEquals(10_000, o.tunnels());
        assertEquals(List.of(), o.transports());
        assertTrue(o.runs("fronts") && o.runs("workloads"));
        assertEquals(200, parse("--quick").tunnels());
    }

    @Test
    void transportsAndSections() throws Exception {
        final BenchOptions o = parse("--transports", "four-stream,duplex,mux", "--only", "echo,fronts",
                "--tunnels", "500");
        assertEquals(List.of("four-stream", "duplex", "mux"), o.transports());
        assertTrue(o.runs("echo") && o.runs("fronts"));
        assertFalse(o.runs("capacity"));
        assertEquals(500, o.tunnels());
    }

    @Test
    void badArgumentsSayWhat() {
        assertTrue(assertThrows(BenchOptions.UsageException.class, () -> parse("--only", "echo,nope"))
                .getMessage().contains("unknown section nope"));
        assertTrue(assertThrows(BenchOptions.UsageException.class, () -> parse("--tunnels", "0"))
                .getMessage().contains("--tunnels"));
        assertTrue(assertThrows(BenchOptions.UsageException.class, () -> parse("--transports"))
                .getMessage().contains("needs a value"));
        assertTrue(assertThrows(BenchOptions.UsageException.class, () -> parse("--bogus"))
                .getMessage().contains("unknown argument --bogus"));
        assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(List.of("--quick")));
    }
}
