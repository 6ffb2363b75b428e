package org.ptth.bench.measure;

/** One line on stderr per step (rewritten in place on a terminal), with the time since the start. */
public final class Progress {

    private static final long START = System.nanoTime();
    private static final boolean TERMINAL = System.console() != null;
    private static String last = "";
    private static long lastPrinted;

    private Progress() {
    }

    private static String phase(final String text) {
        final int colon = text.indexOf(':');
        return colon < 0 ? text : text.substring(0, colon);
    }

    public static synchronized void show(final String text) {
        final long s = (System.nanoTime() - START) / 1_000_000_000L;
        final String line = String.format("[bench %02d:%02d] %s", s / 60, s % 60, text);
        if (TERMINAL) {
            final String shown = line.length() > 118 ? line.substring(0, 118) : line;
            System.err.print("\r" + shown + " ".repeat(Math.max(0, last.length() - shown.length())));
            System.err.flush();
            last = shown;
        } else if (!phase(text).equals(last) || System.nanoTime() - lastPrinted > 10_000_000_000L) {
            System.err.println(line);
            last = phase(text);
            lastPrinted = System.nanoTime();
        }
    }

    /** A line that stays: a section's start, a skip, a failure. */
    public static synchronized void say(final String text) {
        if (TERMINAL && !last.isEmpty()) {
            System.err.println();
        }
        System.err.println("[bench] " + text);
        last = "";
    }
}
