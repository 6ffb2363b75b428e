import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

/** results.png of scripts/bench: one bar chart per figure group (the tunnel against both baselines), drawn with Java2D. */
final class BenchChart {

    private static final int W = 1400;
    private static final int H = 1150;
    private static final Color[] SERIES = {new Color(0x4C78A8), new Color(0xF58518), new Color(0x54A24B)};
    private static final String[] SERIES_NAMES = {"direct loopback", "single hop", "ptth tunnel"};
    private static final Color PASS = new Color(0x2E7D32);
    private static final Color MISS = new Color(0xC62828);

    private BenchChart() {
    }

    static void draw(final BenchReport report, final Path png) throws IOException {
        final BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString("ptth bench: tunnel (client proxy -> relay in Tomcat -> server proxy) vs direct and "
                + report.hopKind(), 20, 32);
        legend(g, 20, 52);
        final int pw = (W - 60) / 2;
        final int ph = 330;
        bars(g, 20, 80, pw, ph, "Throughput (MiB/s, higher is better)", group(report, "throughput"), false);
        bars(g, 40 + pw, 80, pw, ph, "Round trip of 32 bytes (us, lower is better)",
                group(report, "round trip"), false);
        bars(g, 20, 100 + ph, pw, ph, "Setup: connect to first echoed byte (ms, lower is better)",
                group(report, "setup"), false);
        bars(g, 40 + pw, 100 + ph, pw, ph, "Heap per concurrent tunnel (KiB, after GC; line = target)",
                report.figures.stream().filter(f -> f.name().contains("heap per tunnel")).collect(Collectors.toList()),
                true);
        heapLine(g, 20, 120 + 2 * ph, pw, ph - 40, report);
        verdicts(g, 40 + pw, 120 + 2 * ph, pw, ph - 40, report);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static List<BenchReport.Figure> group(final BenchReport report, final String prefix) {
        return report.figures.stream().filter(f -> f.group().startsWith(prefix)).collect(Collectors.toList());
    }

    private static void legend(final Graphics2D g, final int x, final int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        int at = x;
        for (int s = 0; s < SERIES.length; s++) {
            g.setColor(SERIES[s]);
            g.fillRect(at, y - 11, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(SERIES_NAMES[s], at + 20, y);
            at += 40 + g.getFontMetrics().stringWidth(SERIES_NAMES[s]);
        }
    }

    private static void frame(final Graphics2D g, final int x, final int y, final int w, final int h,
                              final String title) {
        g.setColor(new Color(0xF7F7F7));
        g.fillRect(x, y, w, h);
        g.setColor(Color.GRAY);
        g.drawRect(x, y, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, x + 10, y + 22);
    }

    private static void bars(final Graphics2D g, final int x, final int y, final int w, final int h,
                             final String title, final List<BenchReport.Figure> figures, final boolean targetLines) {
        frame(g, x, y, w, h, title);
        if (figures.isEmpty()) {
            g.drawString("not measured", x + 20, y + h / 2);
            return;
        }
        double max = 0;
        for (final BenchReport.Figure f : figures) {
            for (final double v : values(f)) {
                max = Double.isNaN(v) ? max : Math.max(max, v);
            }
            if (targetLines) {
                max = Math.max(max, limit(f));
            }
        }
        max = max <= 0 ? 1 : max * 1.15;
        final int left = x + 20;
        final int bottom = y + h - 40;
        final int top = y + 40;
        final int slot = (w - 40) / figures.size();
        g.setColor(Color.GRAY);
        g.drawLine(left, bottom, x + w - 20, bottom);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i < figures.size(); i++) {
            final BenchReport.Figure f = figures.get(i);
            final double[] v = values(f);
            final int barW = Math.min(70, (slot - 30) / 3);
            int bx = left + i * slot + (slot - 3 * barW - 10) / 2;
            for (int s = 0; s < 3; s++, bx += barW + 5) {
                if (Double.isNaN(v[s])) {
                    continue;
                }
                final int bh = (int) Math.round((bottom - top) * v[s] / max);
                g.setColor(SERIES[s]);
                g.fillRect(bx, bottom - bh, barW, bh);
                g.setColor(Color.BLACK);
                final String label = fmt(v[s]);
                g.drawString(label, bx + (barW - g.getFontMetrics().stringWidth(label)) / 2, bottom - bh - 4);
            }
            if (targetLines && limit(f) > 0) {
                final int ly = bottom - (int) Math.round((bottom - top) * limit(f) / max);
                g.setColor(MISS);
                g.setStroke(new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
                g.drawLine(left + i * slot + 10, ly, left + (i + 1) * slot - 10, ly);
                g.setStroke(new BasicStroke(1));
            }
            g.setColor(f.pass() == null ? Color.BLACK : f.pass() ? PASS : MISS);
            final String name = f.name() + (f.pass() == null ? "" : f.pass() ? "  PASS" : "  MISS");
            g.drawString(name, left + i * slot + (slot - g.getFontMetrics().stringWidth(name)) / 2, bottom + 18);
        }
    }

    private static double[] values(final BenchReport.Figure f) {
        return new double[] {f.direct(), f.hop(), f.tunnel()};
    }

    private static double limit(final BenchReport.Figure f) {
        final String t = f.target() == null ? "" : f.target().replaceAll("[^0-9.]", " ").trim();
        try {
            return t.isEmpty() ? 0 : Double.parseDouble(t.split("\\s+")[0]);
        } catch (final NumberFormatException e) {
            return 0;
        }
    }

    private static void heapLine(final Graphics2D g, final int x, final int y, final int w, final int h,
                                 final BenchReport report) {
        frame(g, x, y, w, h, "Backpressure: relay heap after GC while a slow reader drains (MiB over s)");
        final List<long[]> s = report.heapSamples;
        if (s.isEmpty()) {
            g.drawString("not measured", x + 20, y + h / 2);
            return;
        }
        double maxHeap = report.heapLimitForChart;
        long maxT = 1;
        for (final long[] p : s) {
            maxHeap = Math.max(maxHeap, p[1]);
            maxT = Math.max(maxT, p[0]);
        }
        maxHeap = maxHeap * 1.25;
        final int left = x + 50;
        final int right = x + w - 20;
        final int top = y + 40;
        final int bottom = y + h - 30;
        g.setColor(Color.GRAY);
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 4; i++) {
            final double mib = maxHeap * i / 4 / (1024 * 1024);
            final int ly = bottom - (bottom - top) * i / 4;
            g.drawString(String.format(Locale.ROOT, "%.0f", mib), x + 8, ly + 4);
        }
        g.drawString(String.format(Locale.ROOT, "%.0f s", maxT / 1000.0), right - 30, bottom + 16);
        g.setColor(SERIES[2]);
        g.setStroke(new BasicStroke(2));
        int px = -1;
        int py = -1;
        for (final long[] p : s) {
            final int cx = left + (int) ((right - left) * p[0] / maxT);
            final int cy = bottom - (int) ((bottom - top) * p[1] / maxHeap);
            if (px >= 0) {
                g.drawLine(px, py, cx, cy);
            }
            g.fillOval(cx - 2, cy - 2, 5, 5);
            px = cx;
            py = cy;
        }
        g.setStroke(new BasicStroke(1));
    }

    private static void verdicts(final Graphics2D g, final int x, final int y, final int w, final int h,
                                 final BenchReport report) {
        frame(g, x, y, w, h, "Targets");
        g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 12));
        int ly = y + 44;
        for (final BenchReport.Figure f : report.figures) {
            if (f.pass() == null || ly > y + h - 10) {
                continue;
            }
            g.setColor(f.pass() ? PASS : MISS);
            final String text = String.format(Locale.ROOT, "%s %s: %s %s (target %s)", f.pass() ? "PASS" : "MISS",
                    shortGroup(f.group()), f.name(), fmt(f.tunnel()) + (f.unit().isEmpty() ? "" : " " + f.unit()),
                    f.target());
            g.drawString(text.length() > 95 ? text.substring(0, 95) : text, x + 10, ly);
            ly += 17;
        }
        for (final String failure : report.failures) {
            g.setColor(MISS);
            g.drawString(("FAILED " + failure).substring(0, Math.min(95, failure.length() + 7)), x + 10, ly);
            ly += 17;
        }
    }

    private static String shortGroup(final String group) {
        final int comma = group.indexOf(',');
        return comma > 0 ? group.substring(0, comma) : group;
    }

    private static String fmt(final double v) {
        final double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }
}
