package org.ptth.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results as the terminal shows them (a table of figures, then one line per target) and as results.json. */
public final class Report {

    private static final int NAME = 46;
    private static final int COLUMN = 12;

    private Report() {
    }

    public static String table(final Results results) {
        final StringBuilder t = new StringBuilder();
        results.facts().forEach((k, v) -> t.append(k).append(": ").append(v).append('\n'));
        t.append('\n');
        final List<String> columns = results.columns();
        t.append(pad("figure", NAME));
        columns.forEach(c -> t.append(left(c, COLUMN)));
        t.append('\n');
        String group = "";
        for (final Results.Row row : results.rows()) {
            if (!row.group().equals(group)) {
                group = row.group();
                t.append(group).append('\n');
            }
            t.append(pad("  " + row.label(), NAME));
            for (final String c : columns) {
                final Double v = row.values().get(c);
                t.append(left(v == null ? "-" : Targets.num(v), COLUMN));
            }
            t.append('\n');
            for (final String note : row.notes()) {
                t.append("      ").append(note).append('\n');
            }
        }
        t.append('\n').append(verdicts(results));
        for (final String s : results.skipped()) {
            t.append("SKIPPED ").append(s).append('\n');
        }
        for (final String f : results.failures()) {
            t.append("FAILED ").append(f).append('\n');
        }
        return t.toString();
    }

    /** One line per target, a PASS or MISS column per transport, then the count of each. */
    static String verdicts(final Results results) {
        final Map<String, Map<String, Results.Verdict>> byTarget = new LinkedHashMap<>();
        for (final Results.Verdict v : results.verdicts()) {
            byTarget.computeIfAbsent(v.target(), k -> new LinkedHashMap<>()).put(v.column(), v);
        }
        final int width = Math.max(60, byTarget.keySet().stream().mapToInt(String::length).max().orElse(0) + 2);
        final int cell = 24;
        final StringBuilder t = new StringBuilder(pad("target", width));
        results.transports().forEach(c -> t.append(pad(c, cell)));
        t.append('\n');
        byTarget.forEach((target, verdicts) -> {
            t.append(pad(target, width));
            for (final String c : results.transports()) {
                final Results.Verdict v = verdicts.get(c);
                t.append(pad(v == null ? "" : word(v.pass()) + " " + v.shown(), cell));
            }
            t.append('\n');
        });
        t.append('\n');
        for (final String c : results.transports()) {
            final List<Results.Verdict> mine = new ArrayList<>();
            results.verdicts().stream().filter(v -> v.column().equals(c)).forEach(mine::add);
            t.append(String.format(Locale.ROOT, "%s: %d PASS, %d MISS, %d not measured%n", c,
                    mine.stream().filter(v -> Boolean.TRUE.equals(v.pass())).count(),
                    mine.stream().filter(v -> Boolean.FALSE.equals(v.pass())).count(),
                    mine.stream().filter(v -> v.pass() == null).count()));
        }
        return t.toString();
    }

    private static String word(final Boolean pass) {
        return pass == null ? "----" : pass ? "PASS" : "MISS";
    }

    private static String pad(final String s, final int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }

    private static String left(final String s, final int width) {
        return s.length() >= width ? " " + s : " ".repeat(width - s.length()) + s;
    }

    public static String json(final Results results) {
        final StringBuilder j = new StringBuilder("{\n");
        j.append("  \"facts\": {");
        final List<String> facts = new ArrayList<>();
        results.facts().forEach((k, v) -> facts.add(quote(k) + ": " + quote(v)));
        j.append(String.join(", ", facts)).append("},\n");
        j.append("  \"columns\": ").append(strings(results.columns())).append(",\n");
        j.append("  \"figures\": [\n");
        final List<String> rows = new ArrayList<>();
        for (final Results.Row r : results.rows()) {
            final List<String> values = new ArrayList<>();
            r.values().forEach((c, v) -> values.add(quote(c) + ": " + number(v)));
            rows.add("    {\"group\": " + quote(r.group()) + ", \"name\": " + quote(r.name()) + ", \"unit\": "
                    + quote(r.unit()) + ", \"values\": {" + String.join(", ", values) + "}, \"notes\": "
                    + strings(r.notes()) + "}");
        }
        j.append(String.join(",\n", rows)).append("\n  ],\n");
        j.append("  \"targets\": [\n");
        final List<String> verdicts = new ArrayList<>();
        for (final Results.Verdict v : results.verdicts()) {
            verdicts.add("    {\"target\": " + quote(v.target()) + ", \"transport\": " + quote(v.column())
                    + ", \"value\": " + quote(v.shown()) + ", \"result\": "
                    + (v.pass() == null ? "null" : quote(v.pass() ? "PASS" : "MISS")) + "}");
        }
        j.append(String.join(",\n", verdicts)).append("\n  ],\n");
        j.append("  \"skipped\": ").append(strings(results.skipped())).append(",\n");
        j.append("  \"failures\": ").append(strings(results.failures())).append("\n}\n");
        return j.toString();
    }

    static String number(final double v) {
        if (v == Results.FAILS) {
            return "\"fails\"";
        }
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String strings(final List<String> values) {
        final List<String> quoted = new ArrayList<>();
        values.forEach(v -> quoted.add(quote(v)));
        return "[" + String.join(", ", quoted) + "]";
    }

    static String quote(final String s) {
        final StringBuilder q = new StringBuilder("\"");
        for (final char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 0x20) {
                q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
