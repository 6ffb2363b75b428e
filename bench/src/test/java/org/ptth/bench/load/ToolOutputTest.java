package org.ptth.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the bench reads from the programs it runs, from their real output. */
class ToolOutputTest {

    @Test
    void redisBenchmarkCsv() {
        final Map<String, Double> rps = RedisBenchmark.parse(String.join("\n",
                "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\","
                        + "\"p99_latency_ms\",\"max_latency_ms\"",
                "\"SET\",\"23529.41\",\"0.136\",\"0.040\",\"0.127\",\"0.263\",\"0.367\",\"1.159\"",
                "\"GET\",\"26666.67\",\"0.118\",\"0.032\",\"0.111\",\"0.215\",\"0.295\",\"1.535\"", ""));
        assertEquals(Map.of("SET", 23529.41, "GET", 26666.67), rps);
    }

    @Test
    void redisBenchmarkProgressLinesAreLeftOut() {
        assertTrue(RedisBenchmark.parse("SET: rps=1234.0 (overall: 1200.0) avg_msec=0.5\r\"GET\",\"5.00\"\n")
                .equals(Map.of("GET", 5.0)));
    }

    @Test
    void pgbenchTps() throws IOException {
        final String out = String.join("\n", "transaction type: <builtin: TPC-B (sort of)>",
                "scaling factor: 10", "number of clients: 8", "number of threads: 2",
                "number of transactions actually processed: 44480",
                "number of failed transactions: 0 (0.000%)",
                "latency average = 2.697 ms",
                "initial connection time = 9.585 ms",
                "tps = 2965.123456 (without initial connection time)");
        assertEquals(2965.123456, Pgbench.tps(out));
    }

    @Test
    void pgbenchFailedTransactionsAreAnError() {
        final IOException e = assertThrows(IOException.class, () -> Pgbench.tps(
                "number of failed transactions: 3 (0.100%)\ntps = 100.0 (without initial connection time)\n"));
        assertTrue(e.getMessage().contains("3 transactions failed"));
        assertThrows(IOException.class, () -> Pgbench.tps("connection to server failed\n"));
    }
}
