package org.ptth.e2e.harness;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Checks on what a proxy logged (the text of {@link ProxyProcess#logText()}). */
public final class ProxyLogs {

    private ProxyLogs() {
    }

    /** The lines that belong to a stack trace: {@code \tat ...}, {@code Caused by: ...}, {@code Exception in thread ...}. */
    public static List<String> stackTraceLines(final String log) {
        return log.lines()
                .filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by: ") || l.startsWith("Exception in thread"))
                .collect(Collectors.toList());
    }

    /** The lines that contain {@code word}, ignoring case. */
    public static List<String> linesContaining(final String log, final String word) {
        final String lower = word.toLowerCase(Locale.ROOT);
        return log.lines().filter(l -> l.toLowerCase(Locale.ROOT).contains(lower)).collect(Collectors.toList());
    }
}
