package org.ptth.bench.probes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** What jcmd reads from a JVM of the chain: heap after a full GC, the class histogram, JFR. */
public final class Jcmd {

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private Jcmd() {
    }

    public static String run(final long pid, final String... command) throws IOException {
        final List<String> args = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
        args.addAll(List.of(command));
        return Command.run(args, 120);
    }

    /** Heap used after a full GC, in bytes. */
    public static long heapAfterGc(final long pid) throws IOException {
        run(pid, "GC.run");
        return heapUsed(run(pid, "GC.heap_info"));
    }

    /** The first "used NK" of GC.heap_info: the whole heap's, in bytes. */
    static long heapUsed(final String heapInfo) throws IOException {
        final Matcher m = HEAP_USED.matcher(heapInfo);
        if (!m.find()) {
            throw new IOException("no 'used NK' in GC.heap_info: " + Command.tail(heapInfo));
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** The first {@code lines} lines of GC.class_histogram (live objects, after a full GC). */
    public static String histogram(final long pid, final int lines) throws IOException {
        return run(pid, "GC.class_histogram").lines().limit(lines).collect(Collectors.joining("\n", "", "\n"));
    }
}
