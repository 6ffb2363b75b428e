package org.ptth.bench.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parsing of what /proc, jcmd, iperf3 and the relay's status endpoint print. */
class ProbesTest {

    @Test
    void cpuTicksAreUtimePlusStimeEvenWithParenthesesInTheName() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        final String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 0 0 20 0 40 0 99742 "
                + "1000000 5000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertEquals(1234 + 567, ProcStat.cpuTicks(stat));
        assertEquals(99742, ProcStat.field(stat, 22));
    }

    @Test
    void cpuSecondsOfThisProcessGrow() throws IOException {
        final long pid = ProcessHandle.current().pid();
        final double before = ProcStat.cpuSeconds(pid);
        long x = 0;
        final long end = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < end) {
            x += System.nanoTime() % 7;
        }
        assertEquals(true, ProcStat.cpuSeconds(pid) > before, "no CPU counted after 0.3 s of work " + x);
        assertEquals(true, ProcStat.threads(pid) > 1);
    }

    @Test
    void machineFiguresAreReadWhole() throws IOException {
        // Linux's pid_max is at least 301; a short read of /proc/sys/kernel/pid_max once gave "3"
        assertEquals(true, ProcStat.pidMax() > 300, "pid_max " + ProcStat.pidMax());
        assertEquals(true, ProcStat.machineThreads() > 1);
        assertEquals(true, ProcStat.openFileLimit(ProcessHandle.current().pid()) >= ProcStat.openFiles(
                ProcessHandle.current().pid()));
    }

    @Test
    void openFileLimit() throws IOException {
        assertEquals(20000, ProcStat.openFileLimit("Limit                     Soft Limit           Hard Limit"
                + "           Units\nMax open files            20000                20000                files\n"));
        assertEquals(Long.MAX_VALUE, ProcStat.openFileLimit("Max open files            unlimited            "
                + "unlimited            files\n"));
    }

    @Test
    void heapUsedFromHeapInfo() throws IOException {
        assertEquals(20_480L * 1024, Jcmd.heapUsed("4242:\n garbage-first heap   total 1048576K, used 20480K"
                + " [0x00000000c0000000, 0x0000000100000000)\n  region size 1024K, 3 young (3072K)\n"));
        assertThrows(IOException.class, () -> Jcmd.heapUsed("4242:\nsomething else\n"));
    }

    @Test
    void iperfReceivedRate() throws IOException {
        final String json = "{\"end\": {\"sum_sent\": {\"bits_per_second\": 9.0e9}, \"sum_received\": {\"start\": 0,"
                + " \"end\": 10.0, \"bytes\": 1, \"bits_per_second\": 8.0e9, \"sender\": true}}}";
        assertEquals(1.0e9, Iperf.received(json));
        assertThrows(IOException.class, () -> Iperf.received("{\"error\": \"unable to connect\"}"));
    }

    @Test
    void relayStatusLines() {
        assertEquals(Map.of("tunnels", 3L, "threads", 45L), RelayStatus.parse("tunnels=3\nthreads=45\nname=x\n"));
    }
}
