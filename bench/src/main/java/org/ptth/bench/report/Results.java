package org.ptth.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one run measured: figures by row (a group and a name) and column (the way the bytes
 * went: direct, socat, ssh -L, or a ptth transport), notes, the verdicts on the targets, and the
 * steps that failed or were skipped, with their reason.
 */
public final class Results {

    /** The baselines, in the order the table shows them; the ptth transports follow. */
    public static final String DIRECT = "direct";
    public static final String SOCAT = "socat";
    public static final String SSH = "ssh -L";
    public static final List<String> BASELINES = List.of(DIRECT, SOCAT, SSH);

    /**
     * The value of a lower-is-better figure that could not be taken because the way does not work
     * (a transport a front does not carry): shown as "fails", and every target on it is missed.
     */
    public static final double FAILS = Double.POSITIVE_INFINITY;

    /** One figure on every column that measured it, with the notes printed under it. */
    public record Row(String group, String name, String unit, Map<String, Double> values, List<String> notes) {
        public String label() {
            return unit.isEmpty() ? name : name + " (" + unit + ")";
        }
    }

    /** A target's verdict on one transport: pass is null when the figures it needs were not measured. */
    public record Verdict(String target, String column, String shown, Boolean pass) {
    }

    private final List<String> transports;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final List<Verdict> verdicts = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private final Map<String, String> facts = new LinkedHashMap<>();

    public Results(final List<String> transports) {
        this.transports = List.copyOf(transports);
    }

    public List<String> transports() {
        return transports;
    }

    /** Baselines, then transports. */
    public List<String> columns() {
        final List<String> all = new ArrayList<>(BASELINES);
        all.addAll(transports);
        return all;
    }

    public synchronized void put(final Figure figure, final String column, final double value) {
        row(figure).values().put(column, value);
    }

    /** A line printed under the row: how it was measured, or what one column's figure means. */
    public synchronized void note(final Figure figure, final String note) {
        final Row row = row(figure);
        if (!row.notes().contains(note)) {
            row.notes().add(note);
        }
    }

    private Row row(final Figure figure) {
        return rows.computeIfAbsent(figure.group() + "\u0000" + figure.name(),
                k -> new Row(figure.group(), figure.name(), figure.unit(), new LinkedHashMap<>(), new ArrayList<>()));
    }

    public synchronized Optional<Double> value(final Figure figure, final String column) {
        final Row row = rows.get(figure.group() + "\u0000" + figure.name());
        return row == null ? Optional.empty() : Optional.ofNullable(row.values().get(column));
    }

    public synchronized List<Row> rows() {
        return List.copyOf(rows.values());
    }

    public synchronized void verdict(final Verdict verdict) {
        verdicts.add(verdict);
    }

    public synchronized List<Verdict> verdicts() {
        return List.copyOf(verdicts);
    }

    public synchronized void failure(final String what) {
        failures.add(what);
    }

    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** A section left out, with the one line that says why. */
    public synchronized void skipped(final String what) {
        skipped.add(what);
    }

    public synchronized List<String> skipped() {
        return List.copyOf(skipped);
    }

    /** What the run was: machine, versions, settings (key, value), for the table's head and the JSON. */
    public synchronized void fact(final String key, final String value) {
        facts.put(key, value);
    }

    public synchronized Map<String, String> facts() {
        return new LinkedHashMap<>(facts);
    }
}
