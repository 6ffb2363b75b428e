package org.ptth.bench.report;

/** What a row of the table measures: its group (a heading), its name and its unit (empty for a count or a ratio). */
public record Figure(String group, String name, String unit) {
}
