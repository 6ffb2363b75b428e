package org.ptth.relay.admin;

import org.ptth.relay.metrics.Timeline;

import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** A small line chart of the last hour as inline SVG: no script, no external file, scales to the screen. */
final class Chart {
    private static final int WIDTH = 600;
    private static final int HEIGHT = 120;
    private static final long HOUR_MILLIS = 3_600_000;

    private Chart() {
    }

    static String svg(final String id, final String title, final Timeline.Point[] points, final long nowMillis,
                      final ToDoubleFunction<Timeline.Point> value, final boolean bytes) {
        double max = 0;
        for (final Timeline.Point p : points) {
            max = Math.max(max, value.applyAsDouble(p));
        }
        final double top = max <= 0 ? 1 : niceCeiling(max);
        final StringBuilder line = new StringBuilder();
        for (final Timeline.Point p : points) {
            final double x = WIDTH - (double) (nowMillis - p.millis()) * WIDTH / HOUR_MILLIS;
            if (x < 0) {
                continue;
            }
            final double y = HEIGHT - value.applyAsDouble(p) * HEIGHT / top;
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        final String topLabel = bytes ? Html.bytes(top) + "/s" : String.format(Locale.ROOT, "%.0f", top);
        return "<figure id=\"" + id + "\"><figcaption>" + Html.text(title) + "</figcaption>"
                + "<svg viewBox=\"-2 -14 " + (WIDTH + 4) + " " + (HEIGHT + 30) + "\" role=\"img\" aria-label=\""
                + Html.text(title) + "\" preserveAspectRatio=\"none\">"
                + "<rect x=\"0\" y=\"0\" width=\"" + WIDTH + "\" height=\"" + HEIGHT + "\" class=\"frame\"/>"
                + "<line x1=\"0\" y1=\"" + HEIGHT / 2 + "\" x2=\"" + WIDTH + "\" y2=\"" + HEIGHT / 2 + "\" class=\"grid\"/>"
                + "<text x=\"2\" y=\"-3\">" + Html.text(topLabel) + "</text>"
                + "<text x=\"0\" y=\"" + (HEIGHT + 14) + "\">-60 min</text>"
                + "<text x=\"" + WIDTH / 2 + "\" y=\"" + (HEIGHT + 14) + "\" text-anchor=\"middle\">-30 min</text>"
                + "<text x=\"" + WIDTH + "\" y=\"" + (HEIGHT + 14) + "\" text-anchor=\"end\">now</text>"
                + (line.length() == 0 ? "" : "<polyline points=\"" + line.toString().strip() + "\" class=\"data\"/>")
                + "</svg></figure>";
    }

    /** 1, 2 or 5 times a power of ten, at or above the value. */
    static double niceCeiling(final double value) {
        final double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (final double step : new double[] {1, 2, 5, 10}) {
            if (step * power >= value) {
                return step * power;
            }
        }
        return 10 * power;
    }
}
